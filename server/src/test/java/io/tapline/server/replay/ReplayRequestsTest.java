package io.tapline.server.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tapline.proto.v1.ReplayOverrides;
import io.tapline.server.api.FailedPreconditionException;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.storage.CallRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Masked values are never sent: filled from overrides, left out and named, or refused. */
class ReplayRequestsTest {

  private static CallRecord call(
      String url, Map<String, String> headers, String body, boolean truncated) {
    return new CallRecord(
        "c1",
        Instant.now(),
        "svc",
        "POST",
        url,
        "/",
        "",
        Map.of(),
        headers,
        Map.of(),
        body,
        body.length(),
        "",
        0,
        200,
        1000,
        "",
        "",
        Map.of(),
        "",
        "",
        "",
        "",
        "",
        1,
        truncated,
        false,
        Map.of(),
        Map.of());
  }

  private static Map<String, String> headers(String... kv) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      map.put(kv[i], kv[i + 1]);
    }
    return map;
  }

  private static Map<String, String> sent(PreparedRequest r) {
    Map<String, String> map = new LinkedHashMap<>();
    r.headers().forEach(e -> map.put(e.getKey(), e.getValue()));
    return map;
  }

  @Test
  void maskedHeadersAreLeftOutAndNamedUnlessOverridden() {
    CallRecord c =
        call(
            "https://api.example.com/v1",
            headers(
                "Authorization",
                "[masked]",
                "X-Api-Key",
                "Bearer [masked]",
                "Accept",
                "*/*",
                "Host",
                "evil.example",
                "Content-Length",
                "12",
                "Accept-Encoding",
                "gzip"),
            "",
            false);
    PreparedRequest plain = ReplayRequests.prepare(c, ReplayOverrides.getDefaultInstance());
    assertThat(sent(plain)).containsExactly(Map.entry("Accept", "*/*"));
    assertThat(plain.omittedHeaders()).containsExactlyInAnyOrder("Authorization", "X-Api-Key");

    PreparedRequest filled =
        ReplayRequests.prepare(
            c, ReplayOverrides.newBuilder().putHeaders("authorization", "Bearer s3cret").build());
    assertThat(sent(filled)).containsEntry("authorization", "Bearer s3cret");
    assertThat(filled.omittedHeaders()).containsExactly("X-Api-Key");
    assertThat(filled.recordedHeaders()).containsEntry("authorization", "[masked]");
    assertThat(filled.recordedHeaders().values()).doesNotContain("Bearer s3cret");
  }

  @Test
  void anOverrideMayNotBeTheMaskItself() {
    CallRecord c =
        call("https://api.example.com/v1", headers("Authorization", "[masked]"), "", false);
    assertThatThrownBy(
            () ->
                ReplayRequests.prepare(
                    c,
                    ReplayOverrides.newBuilder().putHeaders("Authorization", "[masked]").build()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("overrides.headers[Authorization]");
  }

  @Test
  void maskedQueryParametersAreLeftOutAndNamedUnlessOverridden() {
    CallRecord c =
        call(
            "https://api.example.com/v1/x?a=1&token=%5Bmasked%5D&b=two&key=[masked]",
            Map.of(), "", false);
    PreparedRequest plain = ReplayRequests.prepare(c, ReplayOverrides.getDefaultInstance());
    assertThat(plain.url().toString()).isEqualTo("https://api.example.com/v1/x?a=1&b=two");
    assertThat(plain.omittedQueryParams()).containsExactly("token", "key");

    PreparedRequest filled =
        ReplayRequests.prepare(
            c, ReplayOverrides.newBuilder().putQueryParams("token", "abc def").build());
    assertThat(filled.url().toString())
        .isEqualTo("https://api.example.com/v1/x?a=1&token=abc%20def&b=two");
    assertThat(filled.recordedUrl())
        .isEqualTo("https://api.example.com/v1/x?a=1&token=%5Bmasked%5D&b=two");
    assertThat(filled.omittedQueryParams()).containsExactly("key");
    assertThat(filled.filledQueryParams()).containsExactly("token");
  }

  @Test
  void aMaskedValueInThePathNeedsANewUrl() {
    CallRecord c = call("https://api.example.com/users/[masked]/x", Map.of(), "", false);
    assertThatThrownBy(() -> ReplayRequests.prepare(c, ReplayOverrides.getDefaultInstance()))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("overrides.url");
  }

  @Test
  void aJsonBodyWithMaskedFieldsIsRefusedUntilEveryFieldIsSupplied() {
    CallRecord c =
        call(
            "https://api.example.com/login",
            Map.of(),
            "{\"user\":\"ann\",\"password\":\"[masked]\",\"card\":{\"cvv\":\"[masked]\",\"n\":1.50}}",
            false);
    assertThatThrownBy(() -> ReplayRequests.prepare(c, ReplayOverrides.getDefaultInstance()))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("/password")
        .hasMessageContaining("/card/cvv")
        .hasMessageContaining("overrides.body_fields");
    assertThatThrownBy(
            () ->
                ReplayRequests.prepare(
                    c, ReplayOverrides.newBuilder().putBodyFields("/password", "pw").build()))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("/card/cvv")
        .message()
        .doesNotContain("/password,");

    PreparedRequest filled =
        ReplayRequests.prepare(
            c,
            ReplayOverrides.newBuilder()
                .putBodyFields("/password", "pw")
                .putBodyFields("/card/cvv", "123")
                .build());
    assertThat(filled.body())
        .isEqualTo("{\"user\":\"ann\",\"password\":\"pw\",\"card\":{\"cvv\":\"123\",\"n\":1.50}}");

    PreparedRequest whole =
        ReplayRequests.prepare(c, ReplayOverrides.newBuilder().setBody("{}").build());
    assertThat(whole.body()).isEqualTo("{}");

    assertThatThrownBy(
            () ->
                ReplayRequests.prepare(
                    c, ReplayOverrides.newBuilder().putBodyFields("/nope", "x").build()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("overrides.body_fields[/nope]");
  }

  @Test
  void aNonJsonBodyWithMaskedValuesNeedsAWholeBody() {
    CallRecord c =
        call("https://api.example.com/login", Map.of(), "user=ann&password=[masked]", false);
    assertThatThrownBy(() -> ReplayRequests.prepare(c, ReplayOverrides.getDefaultInstance()))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("overrides.body");
  }

  @Test
  void aBodyCutAtIngestIsNotReplayedAsIfWhole() {
    CallRecord c = call("https://api.example.com/upload", Map.of(), "{\"a\":", true);
    assertThatThrownBy(() -> ReplayRequests.prepare(c, ReplayOverrides.getDefaultInstance()))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("cut");
  }

  @Test
  void methodAndUrlOverridesAreChecked() {
    CallRecord c = call("https://api.example.com/v1", Map.of(), "", false);
    assertThatThrownBy(
            () -> ReplayRequests.prepare(c, ReplayOverrides.newBuilder().setMethod("get").build()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("overrides.method");
    assertThatThrownBy(
            () ->
                ReplayRequests.prepare(c, ReplayOverrides.newBuilder().setUrl("/relative").build()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("overrides.url");
    PreparedRequest r =
        ReplayRequests.prepare(
            c,
            ReplayOverrides.newBuilder()
                .setMethod("PUT")
                .setUrl("https://staging.example.com/v2?x=1")
                .build());
    assertThat(r.method()).isEqualTo("PUT");
    assertThat(r.url().toString()).isEqualTo("https://staging.example.com/v2?x=1");
  }
}
