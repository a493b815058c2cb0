package io.tapline.sdk;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a failed batch is retried: with the same batch id (the server stores a batch id once), after
 * a jittered, exponentially growing pause, and only when the failure may pass.
 *
 * <p>Retryable: {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}, {@code ABORTED}, {@code CANCELLED},
 * {@code OUT_OF_RANGE}, {@code DATA_LOSS}; {@code RESOURCE_EXHAUSTED} when the server signals the
 * batch may be retried (in a batch's ack, or with a {@code RetryInfo} detail). Never retried:
 * {@code INVALID_ARGUMENT}, {@code UNAUTHENTICATED}, {@code PERMISSION_DENIED} and every other
 * code.
 *
 * @param maxAttempts most attempts per batch, the first included; 0 for no limit (the default:
 *     during an outage the batch waits for the server, and the bounded queue protects the host)
 * @param initialBackoff the pause before the first retry
 * @param maxBackoff the longest pause
 * @param multiplier how much the pause grows per attempt
 */
public record RetryPolicy(
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {

  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(500);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
  public static final double DEFAULT_MULTIPLIER = 1.5;

  public RetryPolicy {
    if (maxAttempts < 0) {
      throw new IllegalArgumentException("maxAttempts must not be negative");
    }
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new IllegalArgumentException("initialBackoff must be positive");
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff must not be shorter than initialBackoff");
    }
    if (!(multiplier >= 1)) {
      throw new IllegalArgumentException("multiplier must be at least 1");
    }
  }

  /** Retries without limit, from half a second up to five seconds apart. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(0, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_MULTIPLIER);
  }

  /** Whether a batch that failed with {@code code} is sent again. */
  static boolean isRetryable(Status.Code code, boolean serverSaysRetry) {
    return switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED, OUT_OF_RANGE, DATA_LOSS -> true;
      case RESOURCE_EXHAUSTED -> serverSaysRetry;
      default -> false;
    };
  }

  boolean mayRetry(int attemptsSoFar) {
    return maxAttempts == 0 || attemptsSoFar < maxAttempts;
  }

  /** The pause after {@code attempt} failed attempts (1 for the first): "equal jitter". */
  long backoffNanos(int attempt, long serverDelayNanos) {
    double grown = initialBackoff.toNanos() * Math.pow(multiplier, attempt - 1);
    long cap = (long) Math.min(grown, maxBackoff.toNanos());
    long jittered = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    return Math.max(jittered, serverDelayNanos);
  }
}
