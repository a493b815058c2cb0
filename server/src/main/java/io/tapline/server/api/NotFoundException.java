package io.tapline.server.api;

/** What the request names does not exist. Maps to NOT_FOUND. */
public final class NotFoundException extends RuntimeException {

  public NotFoundException(String message) {
    super(message);
  }
}
