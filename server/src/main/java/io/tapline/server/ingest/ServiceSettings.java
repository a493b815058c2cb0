package io.tapline.server.ingest;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tapline.masking.SensitiveNames;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import java.time.Duration;

/**
 * What ingest needs to know of a service (retention, extra sensitive headers, how its OTLP spans
 * become calls, the fields it extracts), read from the {@link ServiceStore} through a Caffeine
 * cache: a change made to a service applies to new calls within {@code ingest.service-cache-ttl}.
 * Services that are not registered get the defaults.
 */
final class ServiceSettings {

  /** Most services kept in the cache: {@value}. */
  static final long DEFAULT_CACHE_SIZE = 10_000;

  /** A service's settings, resolved against the server's defaults. */
  record Settings(
      int retentionDays,
      SensitiveNames sensitiveHeaders,
      ServiceRecord.Otlp otlp,
      FieldExtractor fields) {}

  private final LoadingCache<String, Settings> cache;

  ServiceSettings(ServiceStore store, Duration ttl, int defaultRetentionDays) {
    Settings defaults =
        new Settings(
            defaultRetentionDays,
            SensitiveNames.none(),
            ServiceRecord.Otlp.NONE,
            FieldExtractor.NONE);
    this.cache =
        Caffeine.newBuilder()
            .expireAfterWrite(ttl)
            .maximumSize(DEFAULT_CACHE_SIZE)
            .build(
                name ->
                    store.get(name).map(s -> resolve(s, defaultRetentionDays)).orElse(defaults));
  }

  private static Settings resolve(ServiceRecord service, int defaultRetentionDays) {
    return new Settings(
        service.retentionDays() > 0 ? service.retentionDays() : defaultRetentionDays,
        SensitiveNames.of(service.sensitiveHeaders()),
        service.otlp(),
        new FieldExtractor(service.fields()));
  }

  /**
   * The settings of {@code service}.
   *
   * @throws io.tapline.server.storage.RetryLaterException when they are not cached and the store
   *     cannot be read
   */
  Settings of(String service) {
    return cache.get(service);
  }
}
