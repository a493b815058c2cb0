package io.tapline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.masking.Masker;
import io.tapline.proto.v1.ApiCall;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SDK masks with the server's masker and the server's default names: a secret never leaves the
 * process, whatever part of the call it is in.
 */
class MaskingTest {

  private final Masker defaults =
      Masker.builder().headers(List.of()).queryParams(List.of()).bodyFields(List.of()).build();

  @Test
  void usesTheServersDefaultNamesAndNoOthers() {
    TaplineConfig.Ingest server = ConfigLoader.load(new String[0]).ingest();
    // The server's configuration adds nothing by default: its names are the masker's defaults,
    // which are the SDK's too.
    assertThat(server.sensitiveHeaders()).isEmpty();
    assertThat(server.sensitiveQueryParams()).isEmpty();
    assertThat(server.sensitiveBodyFields()).isEmpty();
    CallConverter sdk = new CallConverter("svc", defaults, 1 << 16);
    Masker stored = server.masker();
    for (String name : Masker.DEFAULT_HEADERS) {
      assertThat(stored.isSensitiveHeader(name)).isTrue();
      ApiCall proto =
          sdk.toProto(CapturedCall.start().url("/x").addRequestHeader(name, "v").finish(200));
      assertThat(proto.getRequestHeadersMap()).as(name).containsValue(Masker.MASKED);
    }
    for (String name : Masker.DEFAULT_BODY_FIELDS) {
      String body = "{\"" + name + "\":\"v\"}";
      ApiCall proto =
          sdk.toProto(CapturedCall.start().url("/x").requestBody(body, body.length()).finish(200));
      assertThat(proto.getRequestBody()).as(name).isEqualTo(stored.body(body, null));
      assertThat(proto.getRequestBody()).as(name).contains(Masker.MASKED);
    }
    for (String name : Masker.DEFAULT_QUERY_PARAMS) {
      String url = "https://a.test/p?" + name + "=v&page=2";
      ApiCall proto = sdk.toProto(CapturedCall.start().url(url).finish(200));
      assertThat(proto.getUrl()).as(name).isEqualTo(stored.uriSafeUrl(url));
      assertThat(proto.getUrl()).as(name).contains(Masker.MASKED_URL_ENCODED).endsWith("&page=2");
    }
  }

  @Test
  void masksEveryPartOfACall() {
    Masker masker =
        Masker.builder().headers(List.of("X-Tenant-Id")).bodyFields(List.of("ssn")).build();
    CallConverter converter = new CallConverter("svc", masker, 1 << 16);
    ApiCall proto =
        converter.toProto(
            CapturedCall.start()
                .url("https://a.example/p?lang=en&api_key=k1#access_token=t")
                .addRequestHeader("Authorization", "Bearer k")
                .addRequestHeader("X-Tenant-Id", "t")
                .addRequestHeader("X-Amz-Security-Token", "s")
                .addRequestHeader("Accept", "*/*")
                .requestBody(
                    "{\"user\":{\"name\":\"a\",\"new_password\":\"x\\\"y\",\"ssn\":123}}", 50)
                .addRequestHeader("Content-Type", "application/json")
                .tag("session_token", "t1")
                .tag("region", "eu")
                .error("upstream refused password=hunter2")
                .finish(500));
    assertThat(proto.getUrl())
        .isEqualTo("https://a.example/p?lang=en&api_key=%5Bmasked%5D#access_token=%5Bmasked%5D");
    assertThat(proto.getRequestHeadersMap())
        .containsEntry("authorization", "[masked]")
        .containsEntry("x-tenant-id", "[masked]")
        .containsEntry("x-amz-security-token", "[masked]")
        .containsEntry("accept", "*/*");
    assertThat(proto.getRequestBody())
        .isEqualTo(
            "{\"user\":{\"name\":\"a\",\"new_password\":\"[masked]\",\"ssn\":\"[masked]\"}}");
    assertThat(proto.getTagsMap())
        .containsEntry("session_token", "[masked]")
        .containsEntry("region", "eu");
    assertThat(proto.getError()).isEqualTo("upstream refused password=[masked]");
    assertThat(masker.body("user=a&client_secret=s", "application/x-www-form-urlencoded"))
        .isEqualTo("user=a&client_secret=[masked]");
    assertThat(masker.body("password=plain text", "text/plain"))
        .isEqualTo("password=[masked] text");
  }

  @Test
  void converterCapsBodiesAndEncodesBinary() {
    CallConverter converter = new CallConverter("svc", defaults, 4);
    CapturedCall call =
        CapturedCall.start()
            .url("/x")
            .addResponseHeader("Content-Type", "application/octet-stream")
            .requestBody("abcdefgh".getBytes(), 8, 100)
            .responseBody(new byte[] {1, 2, 3}, 3, 3)
            .finish(200);
    ApiCall proto = converter.toProto(call);
    assertThat(proto.getService()).isEqualTo("svc");
    assertThat(proto.getRequestBody()).isEqualTo("abcd");
    assertThat(proto.getRequestBodySize()).isEqualTo(100);
    assertThat(proto.getResponseBody()).isEqualTo("AQID");
  }
}
