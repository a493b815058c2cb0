package io.tapline.server.api;

/** A request broke a rule; the message names the field. Maps to INVALID_ARGUMENT. */
public final class InvalidRequestException extends RuntimeException {

  public InvalidRequestException(String field, String reason) {
    super(field + ": " + reason);
  }
}
