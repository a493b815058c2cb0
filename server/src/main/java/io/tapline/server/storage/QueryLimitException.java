package io.tapline.server.storage;

/**
 * A query went past a limit of the store (its time or memory limit), or was cancelled because its
 * client went away. Nothing is wrong with the store; the query should be narrowed.
 */
public final class QueryLimitException extends RuntimeException {

  /** Which limit stopped the query. */
  public enum Kind {
    TIME,
    MEMORY,
    CANCELLED
  }

  private final Kind kind;

  public QueryLimitException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
