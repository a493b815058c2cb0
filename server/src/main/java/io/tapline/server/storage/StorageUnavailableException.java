package io.tapline.server.storage;

/** The store could not be reached or did not answer; the operation had no effect. */
public final class StorageUnavailableException extends RuntimeException {

  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
