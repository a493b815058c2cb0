package io.tapline.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.ApiKeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Turns an API key into a {@link Principal}, and holds up under a flood of bad keys.
 *
 * <ul>
 *   <li>Keys found are cached for {@code ttl}, which is therefore the bound on how long a revoked
 *       key keeps working, on this replica and on every other one sharing the store.
 *   <li>Key ids not in the store are refused from memory: the server keeps the ids of all keys (a
 *       small set, apart from the cache of keys), so a flood of made-up ids can neither evict valid
 *       keys nor cause store look-ups. When an id it does not know arrives, the set is reloaded if
 *       it is older than {@value #DIRECTORY_REFRESH_MILLIS} ms, so a key made on another replica
 *       works here within about that long; a key made on this one at once.
 *   <li>At most {@value #DEFAULT_CONCURRENT_LOOKUPS} store look-ups of keys not cached run at once,
 *       and the ids are reloaded by one caller at a time, so neither can take every connection of
 *       the store; a caller that finds the look-ups busy waits a little, then is told to retry.
 *   <li>Failed attempts are counted per client address, in a bucket of {@code failuresPerMinute}
 *       that refills at that rate: once it is empty, keys from that address that would need a
 *       look-up are refused without one until it refills (keys already cached still pass, so a
 *       client behind the same address as a bad one keeps working).
 * </ul>
 */
public final class Authenticator {

  /** Store look-ups of keys not cached that may run at once: {@value}. */
  static final int DEFAULT_CONCURRENT_LOOKUPS = 2;

  /** How long a caller waits for a look-up to be free: {@value} ms. */
  static final long LOOKUP_WAIT_MILLIS = 1_000;

  /** How old the set of key ids may be before an id not in it reloads it: {@value} ms. */
  static final long DIRECTORY_REFRESH_MILLIS = 1_000;

  /** Client addresses whose failures are counted at once: {@value}. */
  static final long DEFAULT_TRACKED_ADDRESSES = 100_000;

  /** Outcome of checking a key. */
  public sealed interface Result {}

  public record Authenticated(Principal principal) implements Result {}

  /** The key is not valid. */
  public record Refused(String reason) implements Result {}

  /** The caller should retry later: its address failed too often, or look-ups are all busy. */
  public record TryLater(String reason, Duration retryAfter) implements Result {}

  private final ApiKeyStore store;
  private final Clock clock;
  private final int failuresPerMinute;
  private final Cache<String, ApiKeyRecord> valid;
  private final ReentrantLock reloading = new ReentrantLock();
  private volatile Set<String> knownIds;

  /** When {@link #knownIds} was read from the store, in the clock's millis. */
  private volatile long knownIdsMillis;

  private final Cache<String, Failures> failures;
  private final Semaphore lookups = new Semaphore(DEFAULT_CONCURRENT_LOOKUPS);
  private volatile Counter refused;

  /** The failures one address may still make: a token bucket, refilled continuously. */
  private static final class Failures {
    double tokens;
    long refilledNanos;
  }

  /**
   * @param settings how long and how many keys are cached, and the failed attempts an address may
   *     make in a minute before its attempts are refused without a look-up (0 for no limit)
   */
  public Authenticator(ApiKeyStore store, TaplineConfig.Auth settings, Clock clock) {
    this.store = store;
    this.clock = clock;
    this.failuresPerMinute = settings.failuresPerMinute();
    this.valid =
        Caffeine.newBuilder()
            .expireAfterWrite(settings.cacheTtl())
            .maximumSize(settings.cacheSize())
            .recordStats()
            .build();
    this.failures =
        Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(2))
            .maximumSize(DEFAULT_TRACKED_ADDRESSES)
            .build();
  }

  /** Checks a key presented from {@code clientAddress} (empty when unknown). */
  public Result authenticate(String key, String clientAddress) {
    Result result = check(key, clientAddress);
    if (result instanceof Refused) {
      fail(clientAddress);
    }
    return result;
  }

  /** Checks a key again for a stream it authenticated once (no address is counted). */
  public Result authenticate(String key) {
    return check(key, "");
  }

  private Result check(String key, String clientAddress) {
    ApiKeys.Parsed parsed = ApiKeys.parse(key);
    if (parsed == null) {
      return new Refused("malformed API key");
    }
    ApiKeyRecord stored = valid.getIfPresent(parsed.keyId());
    if (stored == null) {
      Duration wait = waitOf(clientAddress);
      if (!wait.isZero()) {
        return new TryLater("too many failed authentications from this address", wait);
      }
      switch (directory(parsed.keyId())) {
        case UNKNOWN -> {
          return new Refused("unknown API key");
        }
        case BUSY -> {
          return new TryLater("the API keys are being loaded; retry", Duration.ofSeconds(1));
        }
        case KNOWN -> {}
      }
      Optional<ApiKeyRecord> found;
      try {
        if (!lookups.tryAcquire(LOOKUP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
          return new TryLater(
              "too many API keys are being looked up; retry", Duration.ofSeconds(1));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new TryLater("interrupted", Duration.ofSeconds(1));
      }
      try {
        found = store.get(parsed.keyId());
      } finally {
        lookups.release();
      }
      if (found.isEmpty()) {
        return new Refused("unknown API key");
      }
      stored = found.get();
      valid.put(parsed.keyId(), stored);
    }
    if (!ApiKeys.matches(parsed.secret(), stored.secretHash())) {
      return new Refused("unknown API key");
    }
    if (stored.revoked()) {
      return new Refused("API key revoked");
    }
    if (stored.expiresAt() != null && !clock.instant().isBefore(stored.expiresAt())) {
      return new Refused("API key expired");
    }
    return new Authenticated(
        new Principal(
            stored.keyId(),
            scopes(stored.scopes()),
            stored.service(),
            stored.customerId(),
            stored.plan()));
  }

  /** What the set of key ids says of an id. */
  private enum Known {
    KNOWN,
    UNKNOWN,
    /** The set is not loaded yet, and another caller is loading it. */
    BUSY
  }

  /**
   * Whether {@code keyId} is the id of a stored key, by the set of ids in memory; an id not in it
   * reloads the set first when the set is older than {@link #DIRECTORY_REFRESH_MILLIS}. One caller
   * reloads at a time; the others answer from the set they have, or wait a little for the first.
   */
  private Known directory(String keyId) {
    Set<String> ids = knownIds;
    if (ids != null && ids.contains(keyId)) {
      return Known.KNOWN;
    }
    if (ids != null && clock.millis() - knownIdsMillis < DIRECTORY_REFRESH_MILLIS) {
      return Known.UNKNOWN;
    }
    try {
      if (!reloading.tryLock(ids == null ? LOOKUP_WAIT_MILLIS : 0, TimeUnit.MILLISECONDS)) {
        return ids == null ? Known.BUSY : Known.UNKNOWN;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Known.BUSY;
    }
    try {
      if (knownIds == ids) { // nobody reloaded it while this caller waited
        long now = clock.millis();
        Set<String> loaded = ConcurrentHashMap.newKeySet();
        loaded.addAll(store.ids());
        knownIds = loaded;
        knownIdsMillis = now;
      }
      return knownIds.contains(keyId) ? Known.KNOWN : Known.UNKNOWN;
    } finally {
      reloading.unlock();
    }
  }

  /** How long {@code address} must wait before its next look-up; zero when it need not. */
  private Duration waitOf(String address) {
    if (failuresPerMinute <= 0 || address.isEmpty()) {
      return Duration.ZERO;
    }
    Failures f = failures.getIfPresent(address);
    if (f == null) {
      return Duration.ZERO;
    }
    synchronized (f) {
      refill(f);
      if (f.tokens >= 1) {
        return Duration.ZERO;
      }
      double seconds = (1 - f.tokens) * 60.0 / failuresPerMinute;
      return Duration.ofMillis(Math.max(1, (long) Math.ceil(seconds * 1000)));
    }
  }

  private void refill(Failures f) {
    long now = System.nanoTime();
    double minutes = (now - f.refilledNanos) / 60e9;
    f.tokens = Math.min(failuresPerMinute, f.tokens + minutes * failuresPerMinute);
    f.refilledNanos = now;
  }

  private void fail(String address) {
    Counter counter = refused;
    if (counter != null) {
      counter.increment();
    }
    if (failuresPerMinute <= 0 || address.isEmpty()) {
      return;
    }
    Failures f =
        failures.get(
            address,
            a -> {
              Failures fresh = new Failures();
              fresh.tokens = failuresPerMinute;
              fresh.refilledNanos = System.nanoTime();
              return fresh;
            });
    synchronized (f) {
      refill(f);
      f.tokens = Math.max(0, f.tokens - 1);
    }
  }

  /**
   * Drops a key from the cache on this replica and adds its id to the known ones, so a key made or
   * changed here applies at once.
   */
  public void invalidate(String keyId) {
    valid.invalidate(keyId);
    reloading.lock(); // a reload running now may have read the store before this key: wait
    try {
      if (knownIds != null) {
        knownIds.add(keyId);
      }
    } finally {
      reloading.unlock();
    }
  }

  /** Exports the key cache's size, hits and misses, and refused attempts. */
  public void bindMetrics(MeterRegistry meters) {
    CaffeineCacheMetrics.monitor(meters, valid, "tapline.auth.keys");
    refused =
        Counter.builder("tapline.auth.refused")
            .description(
                "Authentications refused: malformed, unknown, wrong, revoked or expired keys")
            .register(meters);
  }

  private static Set<Scope> scopes(Set<String> names) {
    EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (String name : names) {
      scopes.add(Scope.valueOf(name.toUpperCase(Locale.ROOT)));
    }
    return scopes;
  }
}
