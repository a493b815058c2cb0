package io.tapline.server.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import java.time.Duration;

/**
 * A failure of an HTTP endpoint outside gRPC (OTLP/HTTP, downloads) as its client should see it:
 * the HTTP status of its gRPC code, a {@code google.rpc.Status} body, and when retrying helps, how
 * long to wait.
 *
 * @param retryAfter null when retrying does not help
 */
public record HttpFailure(HttpStatus status, com.google.rpc.Status body, Duration retryAfter) {

  /** The failure {@code e} of a request; the retry delay may come from the request's context. */
  public static HttpFailure of(ServiceRequestContext ctx, RuntimeException e) {
    com.google.rpc.Status status = TaplineExceptionHandler.toStatusProto(e);
    Duration retryAfter = TaplineExceptionHandler.retryAfter(e);
    if (retryAfter == null) {
      retryAfter = ctx.attr(TaplineExceptionHandler.RETRY_AFTER);
    }
    HttpStatus http =
        HttpStatus.valueOf(GrpcHttpStatus.of(Status.fromCodeValue(status.getCode()).getCode()));
    boolean retryable = http.code() == 429 || http.code() == 503;
    return new HttpFailure(http, status, retryable ? retryAfter : null);
  }

  /** Response headers of this status and {@code type}, with {@code Retry-After} when it helps. */
  public ResponseHeadersBuilder headers(MediaType type) {
    ResponseHeadersBuilder headers = ResponseHeaders.builder(status).contentType(type);
    if (retryAfter != null) {
      headers.set(
          HttpHeaderNames.RETRY_AFTER, TaplineExceptionHandler.retryAfterSeconds(retryAfter));
    }
    return headers;
  }

  /** The response with the status as JSON. */
  public HttpResponse json() {
    try {
      return HttpResponse.of(
          headers(MediaType.JSON).build(), HttpData.ofUtf8(JsonFormat.printer().print(body)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
