package io.tapline.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the masker masks, case by case; JSON in depth is in {@link MaskerJsonTest}. */
class MaskerTest {

  private final Masker masker = Masker.defaults();

  @Test
  void masksSensitiveHeadersInAnyCaseAndAServicesOwn() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer abc");
    headers.put("COOKIE", "s=1");
    headers.put("X-Api-Key", "k");
    headers.put("x_api_key", "k");
    headers.put("X-Client-Secret", "s");
    headers.put("X-Internal", "i");
    headers.put("Accept", "*/*");
    Map<String, String> masked = masker.headers(headers, SensitiveNames.of(List.of("x-internal")));
    assertThat(masked)
        .containsEntry("Authorization", Masker.MASKED)
        .containsEntry("COOKIE", Masker.MASKED)
        .containsEntry("X-Api-Key", Masker.MASKED)
        .containsEntry("x_api_key", Masker.MASKED)
        .containsEntry("X-Client-Secret", Masker.MASKED)
        .containsEntry("X-Internal", Masker.MASKED)
        .containsEntry("Accept", "*/*");
    assertThat(masker.headers(headers)).containsEntry("X-Internal", "i");
    Map<String, String> clean = Map.of("accept", "x", "x-request-id", "r1");
    assertThat(masker.headers(clean)).isSameAs(clean);
  }

  @Test
  void masksQueryParametersInTheMapTheUrlAndItsFragment() {
    assertThat(masker.queryParams(Map.of("api_key", "s3cr3t", "Access-Token", "t", "page", "2")))
        .containsEntry("api_key", Masker.MASKED)
        .containsEntry("Access-Token", Masker.MASKED)
        .containsEntry("page", "2");
    assertThat(masker.url("https://u:pw@api.test/x?page=2&api%5Fkey=s3cr3t&token=abc#frag"))
        .isEqualTo("https://u:[masked]@api.test/x?page=2&api%5Fkey=[masked]&token=[masked]#frag");
    assertThat(masker.url("https://app.test/cb#access_token=abc&token_type=bearer&state=xyz"))
        .isEqualTo("https://app.test/cb#access_token=[masked]&token_type=[masked]&state=xyz");
    assertThat(masker.url("https://app.test/cb?x=1#id_token=abc"))
        .isEqualTo("https://app.test/cb?x=1#id_token=[masked]");
    assertThat(
            masker.url(
                "https://b.s3.test/o?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F20260101"
                    + "&X-Amz-Signature=f00d&X-Amz-Expires=60"))
        .isEqualTo(
            "https://b.s3.test/o?X-Amz-Algorithm=AWS4&X-Amz-Credential=[masked]"
                + "&X-Amz-Signature=[masked]&X-Amz-Expires=60");
    String clean = "https://api.test/v1/users/1?page=2&limit=50#top";
    assertThat(masker.url(clean)).isSameAs(clean);
  }

  @Test
  void masksTokenNamesTheIssueNames() {
    String body =
        "{\"new_password\":\"a\",\"otp\":\"123456\",\"client-secret\":\"b\",\"X-Amz-Signature\":\"c\","
            + "\"X-Amz-Credential\":\"d\",\"username\":\"ann\"}";
    assertThat(masker.body(body, "application/json"))
        .isEqualTo(
            "{\"new_password\":\"[masked]\",\"otp\":\"[masked]\",\"client-secret\":\"[masked]\","
                + "\"X-Amz-Signature\":\"[masked]\",\"X-Amz-Credential\":\"[masked]\","
                + "\"username\":\"ann\"}");
  }

  @Test
  void masksFormBodiesWithOrWithoutAContentType() {
    String form = "user=ann&password=hunter2&n=1";
    assertThat(masker.body(form, "application/x-www-form-urlencoded; charset=utf-8"))
        .isEqualTo("user=ann&password=[masked]&n=1");
    assertThat(masker.body(form, null)).isEqualTo("user=ann&password=[masked]&n=1");
    assertThat(masker.body(form, "text/plain")).isEqualTo("user=ann&password=[masked]&n=1");
    assertThat(masker.body("a+b=1&client%5Fsecret=s&Access_Token=t", null))
        .isEqualTo("a+b=1&client%5Fsecret=[masked]&Access_Token=[masked]");
    assertThat(masker.body("password=[masked]&x=1", null)).isEqualTo("password=[masked]&x=1");
  }

  @Test
  void readsTheContentTypeFromHeadersInAnyCase() {
    String form = "application/x-www-form-urlencoded";
    assertThat(Masker.contentType(Map.of("Content-Type", form))).isEqualTo(form);
    assertThat(Masker.contentType(Map.of("content-type", form, "a", "b"))).isEqualTo(form);
    assertThat(Masker.contentType(Map.of("accept", form))).isNull();
    // "code" is masked in forms, not in free text: the content type decides.
    assertThat(masker.body("code=123 456", Masker.contentType(Map.of("CONTENT-TYPE", form))))
        .isEqualTo("code=[masked]");
    assertThat(masker.body("code=123 456", Masker.contentType(Map.of()))).isEqualTo("code=123 456");
  }

  @Test
  void masksMultipartFormFields() {
    String body =
        "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"user\"\r\n\r\n"
            + "ann\r\n"
            + "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"password\"\r\n\r\n"
            + "hunter2\r\n"
            + "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"card\"\r\n\r\n"
            + "4111 1111 1111 1111\r\n"
            + "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"token\"; filename=\"token.txt\"\r\n"
            + "Content-Type: text/plain\r\n\r\n"
            + "file content\r\n"
            + "--XyZ--\r\n";
    String masked =
        "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"user\"\r\n\r\n"
            + "ann\r\n"
            + "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"password\"\r\n\r\n"
            + "[masked]\r\n"
            + "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"card\"\r\n\r\n"
            + "[masked]\r\n"
            + "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"token\"; filename=\"token.txt\"\r\n"
            + "Content-Type: text/plain\r\n\r\n"
            + "file content\r\n"
            + "--XyZ--\r\n";
    assertThat(masker.body(body, "multipart/form-data; boundary=XyZ")).isEqualTo(masked);
    assertThat(masker.body(body, null)).isEqualTo(masked);
  }

  @Test
  void masksJsonBehindAByteOrderMarkOrAnXssiPrefix() {
    assertThat(masker.body("\uFEFF{\"password\":\"x\"}", null))
        .isEqualTo("\uFEFF{\"password\":\"[masked]\"}");
    assertThat(masker.body(")]}'\n{\"token\":\"x\",\"a\":1}", "application/json"))
        .isEqualTo(")]}'\n{\"token\":\"[masked]\",\"a\":1}");
    assertThat(masker.body(")]}',\n[{\"secret\":\"x\"}]", null))
        .isEqualTo(")]}',\n[{\"secret\":\"[masked]\"}]");
    assertThat(masker.body("while(1);{\"api_key\":\"x\"}", null))
        .isEqualTo("while(1);{\"api_key\":\"[masked]\"}");
  }

  @Test
  void masksTags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("region", "eu");
    tags.put("session_token", "t");
    tags.put("note", "paid with 4111 1111 1111 1111");
    tags.put("debug", "password=hunter2");
    assertThat(masker.tags(tags))
        .containsEntry("region", "eu")
        .containsEntry("session_token", Masker.MASKED)
        .containsEntry("note", "paid with [masked]")
        .containsEntry("debug", "password=[masked]");
    Map<String, String> clean = Map.of("region", "eu");
    assertThat(masker.tags(clean)).isSameAs(clean);
  }

  @Test
  void masksSecretsInErrorTextAndPlainBodies() {
    assertThat(masker.text("login failed for user=ann password=hunter2; retry"))
        .isEqualTo("login failed for user=ann password=[masked]; retry");
    assertThat(masker.text("upstream said {\"error\":\"bad\",\"token\": \"abc\"}"))
        .isEqualTo("upstream said {\"error\":\"bad\",\"token\": [masked]}");
    assertThat(masker.text("request had Authorization: Bearer eyJhbGciOi.x.y and failed"))
        .isEqualTo("request had Authorization: [masked] and failed");
    assertThat(masker.text("calling with bearer eyJhbGciOi.x.y"))
        .isEqualTo("calling with bearer [masked]");
    assertThat(masker.text("error for 378282246310005.")).isEqualTo("error for [masked].");
    assertThat(masker.body("secret: s3cr3t\nother: x", "text/plain"))
        .isEqualTo("secret: [masked]\nother: x");
    String harmless =
        "connect to https://api.test:443/x failed at 12:30; status code: 503; Basic plan";
    assertThat(masker.text(harmless)).isSameAs(harmless);
  }

  @Test
  void masksCardNumbersInFreeText() {
    assertThat(masker.cards("card 4111111111111111, not 4111111111111112 nor 1234567890123456789"))
        .isEqualTo("card [masked], not 4111111111111112 nor 1234567890123456789");
    String clean = "order 1234";
    assertThat(masker.cards(clean)).isSameAs(clean);
  }

  @Test
  void addsConfiguredNamesToTheDefaults() {
    Masker more =
        Masker.builder()
            .headers(List.of("x-tenant"))
            .queryParams(List.of("ticket"))
            .bodyFields(List.of("ssn_last4"))
            .build();
    assertThat(more.isSensitiveHeader("X-Tenant")).isTrue();
    assertThat(more.isSensitiveHeader("Authorization")).isTrue();
    assertThat(more.url("https://a.test/?ticket=1&token=2"))
        .isEqualTo("https://a.test/?ticket=[masked]&token=[masked]");
    assertThat(more.body("{\"ssn_last4\":\"1234\"}", null))
        .isEqualTo("{\"ssn_last4\":\"[masked]\"}");
  }

  @Test
  void recognisesThePlaceholder() {
    assertThat(Masker.holdsMask("a=[masked]")).isTrue();
    assertThat(Masker.holdsMask("a=%5bmasked%5D")).isTrue();
    assertThat(Masker.holdsMask("a=b")).isFalse();
    assertThat(Masker.holdsMask(null)).isFalse();
  }
}
