package io.tapline.server.embedded;

/** The embedded ClickHouse engine could not be started or reached. */
public final class EmbeddedEngineException extends RuntimeException {

  public EmbeddedEngineException(String message) {
    super(message);
  }

  public EmbeddedEngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
