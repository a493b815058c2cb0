package io.tapline.server;

import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.server.embedded.EmbeddedEngineException;
import io.tapline.server.storage.StorageUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where exceptions become gRPC statuses, for every service. JSON clients get the
 * same status, turned into the matching HTTP status by Armeria's transcoding.
 */
public final class TaplineExceptionHandler implements GrpcExceptionHandlerFunction {

  private static final Logger logger = LoggerFactory.getLogger(TaplineExceptionHandler.class);

  @Override
  public Status apply(RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
    return toStatus(cause);
  }

  /** The status for an exception, or null to let Armeria decide (it answers UNKNOWN/INTERNAL). */
  public static Status toStatus(Throwable cause) {
    return switch (cause) {
      case InvalidRequestException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage());
      case NotFoundException e -> Status.NOT_FOUND.withDescription(e.getMessage());
      case FailedPreconditionException e ->
          Status.FAILED_PRECONDITION.withDescription(e.getMessage());
      // A service that already chose a status (PERMISSION_DENIED for a key's scope) keeps it.
      case StatusRuntimeException e -> e.getStatus();
      // The client cancelled a stream: nothing went wrong on this side.
      case com.linecorp.armeria.common.stream.ClosedStreamException e ->
          Status.CANCELLED.withDescription("the client closed the stream");
      case StorageUnavailableException e ->
          Status.UNAVAILABLE.withDescription(e.getMessage() + "; retry later").withCause(e);
      case EmbeddedEngineException e ->
          Status.UNAVAILABLE.withDescription(e.getMessage()).withCause(e);
      default -> {
        logger.warn("Unexpected error", cause);
        yield Status.INTERNAL.withDescription("internal error; see the server log").withCause(cause);
      }
    };
  }
}
