package io.tapline.server.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * A token bucket per API key, counting records, so one noisy key cannot starve the others. Each
 * bucket holds one second of its rate; a batch passes while the bucket is not empty and may take it
 * below zero (so batches larger than the rate still pass, and the key then waits for the debt to be
 * repaid). The rate is the key's plan's {@code rate_limit_per_second} when it has one, otherwise
 * the configured default; 0 means unlimited.
 */
final class RateLimiter {

  /** Buckets of keys idle this long are forgotten (they would be full again anyway). */
  static final Duration IDLE_EXPIRY = Duration.ofMinutes(10);

  private final int defaultPerSecond;
  private final ToIntFunction<String> planRate;
  private final LongSupplier nanoTime;
  private final Cache<String, Bucket> buckets =
      Caffeine.newBuilder().expireAfterAccess(IDLE_EXPIRY).maximumSize(1_000_000).build();

  /**
   * @param planRate the rate of a plan by id, 0 when the plan sets none
   */
  RateLimiter(int defaultPerSecond, ToIntFunction<String> planRate, LongSupplier nanoTime) {
    this.defaultPerSecond = defaultPerSecond;
    this.planRate = planRate;
    this.nanoTime = nanoTime;
  }

  /**
   * Takes {@code records} tokens from the key's bucket.
   *
   * @return {@link Duration#ZERO} when the batch may pass, otherwise how long to wait
   */
  Duration acquire(String keyId, String plan, int records) {
    int rate = plan.isEmpty() ? 0 : planRate.applyAsInt(plan);
    if (rate <= 0) {
      rate = defaultPerSecond;
    }
    if (rate <= 0 || records == 0) {
      return Duration.ZERO;
    }
    int effectiveRate = rate;
    Bucket bucket = buckets.get(keyId, k -> new Bucket(effectiveRate, nanoTime.getAsLong()));
    return bucket.take(effectiveRate, records, nanoTime.getAsLong());
  }

  private static final class Bucket {

    private double tokens;
    private long refilledAt;

    Bucket(int rate, long now) {
      this.tokens = rate;
      this.refilledAt = now;
    }

    synchronized Duration take(int rate, int records, long now) {
      tokens = Math.min(rate, tokens + (now - refilledAt) * rate / 1e9);
      refilledAt = now;
      if (tokens <= 0) {
        long waitNanos = (long) Math.ceil((-tokens + 1) * 1e9 / rate);
        return Duration.ofNanos(Math.max(waitNanos, 1_000_000));
      }
      tokens -= records;
      return Duration.ZERO;
    }
  }
}
