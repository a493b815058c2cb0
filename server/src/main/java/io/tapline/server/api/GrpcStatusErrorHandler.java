package io.tapline.server.api;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;

/**
 * Errors the HTTP layer answers before a request reaches a gRPC service, such as a request over the
 * size limit, are answered to gRPC clients as gRPC statuses (a bare HTTP 413 is all they could
 * otherwise report, as UNKNOWN). Other clients get Armeria's own answer.
 */
public final class GrpcStatusErrorHandler implements ServerErrorHandler {

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    return null; // the gRPC services map their own exceptions (TaplineExceptionHandler)
  }

  @Override
  public AggregatedHttpResponse renderStatus(
      ServiceRequestContext ctx,
      ServiceConfig config,
      RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    MediaType type = headers == null ? null : headers.contentType();
    if (type == null || !type.subtype().startsWith("grpc") || status.code() != 413) {
      return null;
    }
    Status grpc = Status.RESOURCE_EXHAUSTED.withDescription(TaplineExceptionHandler.TOO_LARGE);
    return AggregatedHttpResponse.of(
        ResponseHeaders.builder(HttpStatus.OK)
            .contentType(type)
            .add("grpc-status", Integer.toString(grpc.getCode().value()))
            .add("grpc-message", grpc.getDescription())
            .build());
  }
}
