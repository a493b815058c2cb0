package io.tapline.server.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most {@code limit} of something held at once per API key (queries, alert streams). Keys that
 * hold nothing take no room. Thread-safe.
 */
public final class PerKeyLimit {

  private final int limit;
  private final Map<String, Integer> held = new ConcurrentHashMap<>();

  public PerKeyLimit(int limit) {
    this.limit = limit;
  }

  public int limit() {
    return limit;
  }

  /** Takes one for {@code key}; false, taking nothing, when it holds {@code limit} already. */
  public boolean tryAcquire(String key) {
    boolean[] acquired = {false};
    held.compute(
        key,
        (k, n) -> {
          int count = n == null ? 0 : n;
          if (count >= limit) {
            return n;
          }
          acquired[0] = true;
          return count + 1;
        });
    return acquired[0];
  }

  /** Gives back one that {@code key} took. */
  public void release(String key) {
    held.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
  }
}
