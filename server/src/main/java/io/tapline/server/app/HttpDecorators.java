package io.tapline.server.app;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.server.api.TaplineExceptionHandler;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** The HTTP decorators around the gRPC service: per-method request limits and CORS. */
final class HttpDecorators {

  /** Room for gRPC framing and headers on top of the largest message: {@value} bytes. */
  static final long REQUEST_FRAMING_BYTES = 64 * 1024;

  private static final String INGEST_STREAM_PATH =
      "/" + IngestServiceGrpc.getIngestStreamMethod().getFullMethodName();

  private HttpDecorators() {}

  /**
   * Per-method limits: an IngestStream is long-lived, so it has neither a total size limit (each of
   * its messages is still limited to {@code ingest.max-message-bytes}) nor a request timeout.
   * Answers that ask the client to retry later get a {@code Retry-After} header (JSON clients).
   */
  static HttpService requestLimits(HttpService delegate) {
    // A decorating service (not a lambda) so that the gRPC service still learns that it was
    // added to the server; the health service depends on it.
    return new SimpleDecoratingHttpService(delegate) {
      @Override
      public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        if (INGEST_STREAM_PATH.equals(ctx.path())) {
          ctx.setMaxRequestLength(0);
          ctx.clearRequestTimeout();
        }
        return unwrap()
            .serve(ctx, req)
            .mapHeaders(
                headers -> {
                  Duration retryAfter = ctx.attr(TaplineExceptionHandler.RETRY_AFTER);
                  int status = headers.status().code();
                  if (retryAfter == null || (status != 429 && status != 503)) {
                    return headers;
                  }
                  return headers.toBuilder()
                      .set(
                          HttpHeaderNames.RETRY_AFTER,
                          TaplineExceptionHandler.retryAfterSeconds(retryAfter))
                      .build();
                });
      }
    };
  }

  /**
   * Lets web pages on the configured origins call the API with gRPC-Web or JSON: answers preflight
   * requests and exposes the gRPC status headers to scripts. No origins: no CORS.
   */
  static Function<? super HttpService, ? extends HttpService> cors(List<String> origins) {
    if (origins.isEmpty()) {
      return Function.identity();
    }
    CorsServiceBuilder cors =
        origins.contains("*") ? CorsService.builderForAnyOrigin() : CorsService.builder(origins);
    return cors.allowRequestMethods(
            HttpMethod.POST, HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE)
        .allowRequestHeaders(
            "authorization",
            "content-type",
            "x-grpc-web",
            "x-user-agent",
            "grpc-timeout",
            "grpc-accept-encoding")
        .exposeHeaders("grpc-status", "grpc-message", "grpc-status-details-bin", "retry-after")
        .maxAge(600)
        .newDecorator();
  }
}
