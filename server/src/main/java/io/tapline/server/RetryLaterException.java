package io.tapline.server;

import java.time.Duration;

/**
 * The request could not be served now but may succeed later; clients should retry after {@link
 * #retryAfter()}. Becomes RESOURCE_EXHAUSTED (too much load: rate limit, full queue) or
 * UNAVAILABLE (the store is down), with a {@code google.rpc.RetryInfo}; JSON clients get 429 or
 * 503 with a {@code Retry-After} header.
 */
public final class RetryLaterException extends RuntimeException {

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

  public Reason reason() {
    return reason;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
