package io.tapline.server.api;

/**
 * A request is well formed but cannot be carried out as things stand (for example a replay target
 * the service does not allow); the message says why and what would help. Maps to
 * FAILED_PRECONDITION.
 */
public final class FailedPreconditionException extends RuntimeException {

  public FailedPreconditionException(String message) {
    super(message);
  }
}
