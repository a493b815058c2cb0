package io.tapline.server.ingest;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tapline.server.storage.PlanRecord;
import io.tapline.server.storage.PlanStore;
import java.time.Duration;
import java.util.function.ToIntFunction;

/** The rate limit of a plan by id (0: none set), read from the plan store through a cache. */
final class PlanRates implements ToIntFunction<String> {

  private final LoadingCache<String, Integer> cache;

  PlanRates(PlanStore plans, Duration ttl) {
    this.cache =
        Caffeine.newBuilder()
            .expireAfterWrite(ttl)
            .maximumSize(ServiceSettings.DEFAULT_CACHE_SIZE)
            .build(plan -> plans.get(plan).map(PlanRecord::rateLimitPerSecond).orElse(0));
  }

  @Override
  public int applyAsInt(String plan) {
    try {
      return cache.get(plan);
    } catch (RuntimeException e) {
      return 0; // the default rate applies until the plan can be read
    }
  }
}
