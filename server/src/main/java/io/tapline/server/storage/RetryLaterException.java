package io.tapline.server.storage;

import java.time.Duration;

/**
 * The request could not be served now but may succeed later; clients should retry after {@link
 * #retryAfter()}. The one retryable failure: a rate limit or a full queue ({@link
 * Reason#OVERLOADED}), or a store that could not be reached or did not answer ({@link
 * Reason#UNAVAILABLE}; the operation had no effect, or has one that repeating it does not double).
 * It becomes RESOURCE_EXHAUSTED or UNAVAILABLE with a {@code google.rpc.RetryInfo}; JSON clients
 * get 429 or 503 with a {@code Retry-After} header.
 */
public final class RetryLaterException extends RuntimeException {

  /** The delay suggested when the store is unavailable and nothing better is known. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  /** Why the request should be retried. */
  public enum Reason {
    /** Too much load: a rate limit or a full queue. RESOURCE_EXHAUSTED, HTTP 429. */
    OVERLOADED,
    /** The store cannot be reached. UNAVAILABLE, HTTP 503. */
    UNAVAILABLE
  }

  private final Reason reason;
  private final Duration retryAfter;

  public RetryLaterException(Reason reason, String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.retryAfter = retryAfter;
  }

  /** The store could not be reached or did not answer; retry after {@link #DEFAULT_RETRY_AFTER}. */
  public static RetryLaterException unavailable(String message, Throwable cause) {
    return new RetryLaterException(Reason.UNAVAILABLE, message, DEFAULT_RETRY_AFTER, cause);
  }

  public Reason reason() {
    return reason;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
