package io.tapline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.proto.v1.ApiCall;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MaskingTest {

  private final Masking masking = new Masking(Set.of("X-Tenant-Secret-Id"), List.of("ssn"));

  @Test
  void masksSensitiveQueryParametersKeepingTheRest() {
    assertThat(masking.url("https://a.example/p?lang=en&api_key=k1&password=p#top"))
        .isEqualTo("https://a.example/p?lang=en&api_key=%5Bmasked%5D&password=%5Bmasked%5D#top");
    assertThat(masking.url("https://a.example/p?lang=en")).isEqualTo("https://a.example/p?lang=en");
  }

  @Test
  void masksJsonAndFormFieldsByName() {
    assertThat(
            masking.body(
                "{\"user\":{\"name\":\"a\",\"password\":\"x\\\"y\",\"ssn\":123}}",
                "application/json"))
        .isEqualTo("{\"user\":{\"name\":\"a\",\"password\":\"[masked]\",\"ssn\":\"[masked]\"}}");
    assertThat(masking.body("user=a&client_secret=s", "application/x-www-form-urlencoded"))
        .isEqualTo("user=a&client_secret=%5Bmasked%5D");
    assertThat(masking.body("password=plain text", "text/plain")).isEqualTo("password=plain text");
  }

  @Test
  void converterMasksHeadersCapsBodiesAndEncodesBinary() {
    CallConverter converter = new CallConverter("svc", masking, 4);
    CapturedCall call =
        CapturedCall.start()
            .url("/x")
            .addRequestHeader("Authorization", "Bearer k")
            .addRequestHeader("X-Tenant-Secret-Id", "t")
            .addRequestHeader("Accept", "*/*")
            .addResponseHeader("Content-Type", "application/octet-stream")
            .requestBody("abcdefgh".getBytes(), 8, 100)
            .responseBody(new byte[] {1, 2, 3}, 3, 3)
            .finish(200);
    ApiCall proto = converter.toProto(call);
    assertThat(proto.getService()).isEqualTo("svc");
    assertThat(proto.getRequestHeadersMap())
        .containsEntry("authorization", "[masked]")
        .containsEntry("x-tenant-secret-id", "[masked]")
        .containsEntry("accept", "*/*");
    assertThat(proto.getRequestBody()).isEqualTo("abcd");
    assertThat(proto.getRequestBodySize()).isEqualTo(100);
    assertThat(proto.getResponseBody()).isEqualTo("AQID");
  }
}
