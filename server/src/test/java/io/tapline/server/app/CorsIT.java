package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.tapline.server.testing.TestTapline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Web pages on an allowed origin may call the API from a browser (gRPC-Web, JSON); others not. */
class CorsIT {

  static final String ALLOWED = "https://dashboard.example.com";

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline().withFlags("--server.cors-allowed-origins=" + ALLOWED);

  private static AggregatedHttpResponse preflight(String origin) {
    return tapline
        .http(null)
        .execute(
            RequestHeaders.builder(HttpMethod.OPTIONS, "/tapline.v1.QueryService/SearchCalls")
                .add("origin", origin)
                .add("access-control-request-method", "POST")
                .add("access-control-request-headers", "content-type,x-grpc-web,authorization")
                .build())
        .aggregate()
        .join();
  }

  @Test
  void anAllowedOriginPassesThePreflightAndSeesTheGrpcStatus() {
    AggregatedHttpResponse preflight = preflight(ALLOWED);
    assertThat(preflight.status().code()).isEqualTo(200);
    assertThat(preflight.headers().get("access-control-allow-origin")).isEqualTo(ALLOWED);
    assertThat(preflight.headers().get("access-control-allow-headers")).contains("x-grpc-web");

    AggregatedHttpResponse call =
        tapline
            .http()
            .execute(
                HttpRequest.of(
                    RequestHeaders.builder(HttpMethod.POST, "/v1/calls:search")
                        .contentType(MediaType.JSON)
                        .add("origin", ALLOWED)
                        .build(),
                    com.linecorp.armeria.common.HttpData.ofUtf8("{}")))
            .aggregate()
            .join();
    assertThat(call.status().code()).isEqualTo(200);
    assertThat(call.headers().get("access-control-allow-origin")).isEqualTo(ALLOWED);
  }

  @Test
  void anotherOriginIsNotAllowed() {
    AggregatedHttpResponse preflight = preflight("https://evil.example.net");
    assertThat(preflight.headers().get("access-control-allow-origin")).isNull();
  }
}
