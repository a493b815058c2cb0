package io.tapline.server.api;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.ResponseCompleteException;
import com.linecorp.armeria.common.grpc.GoogleGrpcExceptionHandlerFunction;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.RequestTimeoutException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.util.AttributeKey;
import io.tapline.server.storage.QueryLimitException;
import io.tapline.server.storage.RetryLaterException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where exceptions become gRPC statuses, for every service. JSON clients get the same
 * status, turned into the matching HTTP status by Armeria's transcoding.
 *
 * <p>Retryable failures (UNAVAILABLE, RESOURCE_EXHAUSTED) carry a {@code google.rpc.RetryInfo} in
 * {@code grpc-status-details-bin}; for JSON clients the delay is kept in the request context, from
 * where {@link #RETRY_AFTER} becomes a {@code Retry-After} header.
 */
public final class TaplineExceptionHandler implements GoogleGrpcExceptionHandlerFunction {

  private static final Logger logger = LoggerFactory.getLogger(TaplineExceptionHandler.class);

  /** What a client is told of a request over {@code ingest.max-message-bytes}. */
  public static final String TOO_LARGE =
      "the request is larger than this server accepts (ingest.max-message-bytes); send smaller"
          + " batches";

  /** The retry delay of a failed request, for the {@code Retry-After} header of JSON answers. */
  public static final AttributeKey<Duration> RETRY_AFTER =
      AttributeKey.valueOf(TaplineExceptionHandler.class, "RETRY_AFTER");

  /** A retry delay as a {@code Retry-After} header's value: whole seconds, at least 1. */
  public static String retryAfterSeconds(Duration retryAfter) {
    return Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
  }

  @Override
  public com.google.rpc.Status applyStatusProto(
      RequestContext ctx, Throwable cause, Metadata metadata) {
    Duration retryAfter = retryAfter(cause);
    if (retryAfter != null) {
      ctx.setAttr(RETRY_AFTER, retryAfter);
    }
    return toStatusProto(cause);
  }

  /** How long a client should wait before retrying, or null when retrying will not help. */
  public static Duration retryAfter(Throwable cause) {
    return switch (cause) {
      case RetryLaterException e -> e.retryAfter();
      default -> null;
    };
  }

  /** The status as a {@code google.rpc.Status}, with a RetryInfo when the failure is retryable. */
  public static com.google.rpc.Status toStatusProto(Throwable cause) {
    Status status = toStatus(cause);
    com.google.rpc.Status.Builder proto =
        com.google.rpc.Status.newBuilder()
            .setCode(status.getCode().value())
            .setMessage(String.valueOf(status.getDescription()));
    Duration retryAfter = retryAfter(cause);
    if (retryAfter != null) {
      proto.addDetails(
          Any.pack(RetryInfo.newBuilder().setRetryDelay(Times.duration(retryAfter)).build()));
    }
    return proto.build();
  }

  /** The status for an exception; INTERNAL (logged) for one nothing here expects. */
  public static Status toStatus(Throwable cause) {
    return switch (cause) {
      case InvalidRequestException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage());
      // A JSON request that does not read as its message: an unknown field, a value of the wrong
      // type, text that is not valid Unicode. The message names the field.
      case InvalidProtocolBufferException e ->
          Status.INVALID_ARGUMENT.withDescription(
              "the request could not be read: " + e.getMessage());
      case RetryLaterException e ->
          (e.reason() == RetryLaterException.Reason.OVERLOADED
                  ? Status.RESOURCE_EXHAUSTED
                  : Status.UNAVAILABLE)
              .withDescription(e.getMessage() + "; retry in " + e.retryAfter().toMillis() + " ms")
              .withCause(e);
      // A service that already chose a status (PERMISSION_DENIED for a key's scope) keeps it.
      case StatusRuntimeException e -> e.getStatus();
      // The request was larger than the server's limit (ingest.max-message-bytes).
      case ContentTooLargeException e -> Status.RESOURCE_EXHAUSTED.withDescription(TOO_LARGE);
      case HttpStatusException e when e.httpStatus().code() == 413 ->
          Status.RESOURCE_EXHAUSTED.withDescription(TOO_LARGE);
      // The deadline the client sent (grpc-timeout), or the server's request timeout, passed
      // here before the client gave up itself.
      case RequestTimeoutException e ->
          Status.DEADLINE_EXCEEDED.withDescription("the request took longer than its deadline");
      // The client went away after its answer was complete: nothing to report.
      case ResponseCompleteException e -> Status.CANCELLED.withCause(e);
      case NotFoundException e -> Status.NOT_FOUND.withDescription(e.getMessage());
      case FailedPreconditionException e ->
          Status.FAILED_PRECONDITION.withDescription(e.getMessage());
      // The client cancelled a stream: nothing went wrong on this side.
      case com.linecorp.armeria.common.stream.ClosedStreamException e ->
          Status.CANCELLED.withDescription("the client closed the stream");
      case QueryLimitException e when e.kind() == QueryLimitException.Kind.CANCELLED ->
          Status.CANCELLED.withDescription(e.getMessage());
      case QueryLimitException e -> Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
      default -> {
        logger.warn("Unexpected error", cause);
        yield Status.INTERNAL
            .withDescription("internal error; see the server log")
            .withCause(cause);
      }
    };
  }
}
