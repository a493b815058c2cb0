package io.tapline.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.ApiKeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns an API key into a {@link Principal}. Lookups are cached in Caffeine for {@code ttl}, which
 * is therefore the bound on how long a revoked key keeps working, on this replica and on every
 * other one sharing the store. Keys that failed are cached apart, in a smaller cache, so a flood
 * of bad keys cannot evict the good ones.
 */
public final class Authenticator {

  /** Outcome of checking a key. */
  public sealed interface Result {}

  public record Authenticated(Principal principal) implements Result {}

  public record Refused(String reason) implements Result {}

  private final ApiKeyStore store;
  private final Clock clock;
  private final Cache<String, Optional<ApiKeyRecord>> valid;
  private final Cache<String, Boolean> invalid;

  public Authenticator(ApiKeyStore store, Duration ttl, long maximumSize, Clock clock) {
    this.store = store;
    this.clock = clock;
    this.valid = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maximumSize).recordStats().build();
    this.invalid =
        Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(Math.max(1, maximumSize / 10)).build();
  }

  public Result authenticate(String key) {
    ApiKeys.Parsed parsed = ApiKeys.parse(key);
    if (parsed == null) {
      return new Refused("malformed API key");
    }
    if (invalid.getIfPresent(key) != null) {
      return new Refused("unknown API key");
    }
    Optional<ApiKeyRecord> record = valid.get(parsed.keyId(), store::get);
    if (record.isEmpty() || !ApiKeys.matches(parsed.secret(), record.get().secretHash())) {
      invalid.put(key, Boolean.TRUE);
      return new Refused("unknown API key");
    }
    ApiKeyRecord stored = record.get();
    if (stored.revoked()) {
      return new Refused("API key revoked");
    }
    if (stored.expiresAt() != null && !clock.instant().isBefore(stored.expiresAt())) {
      return new Refused("API key expired");
    }
    return new Authenticated(
        new Principal(
            stored.keyId(), scopes(stored.scopes()), stored.service(), stored.customerId(), stored.plan()));
  }

  /** Drops a key from the cache on this replica, so a revocation here applies at once. */
  public void invalidate(String keyId) {
    valid.invalidate(keyId);
  }

  /** Exports the key cache's size, hits and misses. */
  public void bindMetrics(MeterRegistry meters) {
    CaffeineCacheMetrics.monitor(meters, valid, "tapline.auth.keys");
  }

  private static Set<Scope> scopes(Set<String> names) {
    EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (String name : names) {
      scopes.add(Scope.valueOf(name.toUpperCase(Locale.ROOT)));
    }
    return scopes;
  }
}
