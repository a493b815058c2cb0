package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MaskerTest {

  private static final TaplineConfig.Ingest CONFIG = ConfigLoader.load(new String[0]).ingest();
  private final Masker masker = Masker.of(CONFIG);

  @Test
  void masksSensitiveHeadersInAnyCaseAndTheServicesOwn() {
    Map<String, String> headers =
        Map.of("Authorization", "Bearer abc", "COOKIE", "s=1", "X-Api-Key", "k", "X-Internal", "i",
            "Accept", "*/*");
    assertThat(masker.headers(headers, NameSet.lowerCase(Set.of("x-internal"))))
        .containsEntry("Authorization", Masker.MASKED)
        .containsEntry("COOKIE", Masker.MASKED)
        .containsEntry("X-Api-Key", Masker.MASKED)
        .containsEntry("X-Internal", Masker.MASKED)
        .containsEntry("Accept", "*/*");
    Map<String, String> clean = Map.of("accept", "x");
    assertThat(masker.headers(clean, NameSet.lowerCase(Set.of()))).isSameAs(clean);
  }

  @Test
  void masksQueryParametersInTheMapAndTheUrl() {
    assertThat(masker.queryParams(Map.of("api_key", "s3cr3t", "Access-Token", "t", "page", "2")))
        .containsEntry("api_key", Masker.MASKED)
        .containsEntry("Access-Token", Masker.MASKED)
        .containsEntry("page", "2");
    assertThat(masker.url("https://u:pw@api.test/x?page=2&api%5Fkey=s3cr3t&token=abc#frag"))
        .isEqualTo("https://u:[masked]@api.test/x?page=2&api%5Fkey=[masked]&token=[masked]#frag");
    assertThat(masker.url("https://api.test/x?q=1")).isEqualTo("https://api.test/x?q=1");
  }

  @Test
  void masksJsonFieldsAtAnyDepthAndKeepsTheRest() {
    String body =
        "{\"user\":{\"name\":\"ann\",\"password\":\"hunter2\",\"cards\":[{\"cardNumber\":\"4111 1111 1111 1111\"}]},"
            + "\"auth\":{\"client_secret\":{\"nested\":[1,2]}},\"n\":5,\"ok\":true,\"z\":null}";
    String masked = masker.body(body, "application/json");
    assertThat(masked)
        .isEqualTo(
            "{\"user\":{\"name\":\"ann\",\"password\":\"[masked]\",\"cards\":[{\"cardNumber\":\"[masked]\"}]},"
                + "\"auth\":{\"client_secret\":\"[masked]\"},\"n\":5,\"ok\":true,\"z\":null}");
    String clean = "{\"a\":[1,2,{\"b\":\"c\"}]}";
    assertThat(masker.body(clean, null)).isSameAs(clean);
  }

  @Test
  void masksCardNumbersInJsonValuesAndFreeText() {
    assertThat(masker.body("{\"note\":\"paid with 4111-1111-1111-1111 today\",\"pan2\":5500000000000004}", null))
        .isEqualTo("{\"note\":\"paid with [masked] today\",\"pan2\":\"[masked]\"}");
    assertThat(masker.text("card 4111111111111111, not 4111111111111112 nor 1234567890123456789"))
        .isEqualTo("card [masked], not 4111111111111112 nor 1234567890123456789");
    assertThat(masker.text("error for 378282246310005.")).isEqualTo("error for [masked].");
  }

  @Test
  void masksNamesWrittenWithEscapesOrSpaces() {
    assertThat(masker.body("{\"p\\u0061ssword\" : \"hunter2\"}", null))
        .isEqualTo("{\"password\":\"[masked]\"}");
    assertThat(masker.body("{ \"Secret\"\n:\n{\"a\":1} }", null)).isEqualTo("{\"Secret\":\"[masked]\"}");
    String harmless = "{\"time\":\"12:30\",\"a\\\"b\":1}";
    assertThat(masker.body(harmless, null)).isEqualTo(harmless);
  }

  @Test
  void masksCutOrMalformedJsonLeniently() {
    assertThat(masker.body("{\"password\": \"hunter2\", \"token\": \"abc", null))
        .isEqualTo("{\"password\": \"[masked]\", \"token\": \"[masked]\"");
  }

  @Test
  void masksFormBodies() {
    assertThat(masker.body("user=ann&password=hunter2&n=1", "application/x-www-form-urlencoded; charset=utf-8"))
        .isEqualTo("user=ann&password=[masked]&n=1");
  }
}
