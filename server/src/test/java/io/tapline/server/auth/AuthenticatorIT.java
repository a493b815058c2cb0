package io.tapline.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.config.TaplineConfig;
import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.ApiKeyStore;
import io.tapline.server.storage.clickhouse.ClickHouseApiKeyStore;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.testing.SharedClickHouse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The authenticator under a flood of made-up keys, over the real key store. */
class AuthenticatorIT {

  private static ClickHouseStorage storage;

  @BeforeAll
  static void open() {
    storage = SharedClickHouse.openStorage(AuthenticatorIT.class, 2);
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  /** The real store, counting its look-ups. */
  private static final class CountingStore implements ApiKeyStore {
    final ApiKeyStore store = new ClickHouseApiKeyStore(storage.dataSource());
    final AtomicInteger lookups = new AtomicInteger();
    final AtomicInteger idLoads = new AtomicInteger();

    @Override
    public Optional<ApiKeyRecord> get(String keyId) {
      lookups.incrementAndGet();
      return store.get(keyId);
    }

    @Override
    public List<ApiKeyRecord> list() {
      return store.list();
    }

    @Override
    public Set<String> ids() {
      idLoads.incrementAndGet();
      return store.ids();
    }

    @Override
    public void put(ApiKeyRecord key) {
      store.put(key);
    }
  }

  /** A clock that moves only when told. */
  private static final class StepClock extends Clock {
    private volatile Instant now = Instant.parse("2026-06-01T00:00:00Z");

    void advance(Duration step) {
      now = now.plus(step);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private static String storedKey(ApiKeyStore store) {
    ApiKeys.Generated key = ApiKeys.generate();
    store.put(
        new ApiKeyRecord(
            key.keyId(),
            "valid",
            key.secretHash(),
            Set.of("ingest"),
            "svc",
            "",
            "",
            Instant.now(),
            null,
            false));
    return key.key();
  }

  @Test
  void aFloodOfMadeUpKeysNeitherEvictsValidKeysNorCausesLookups() {
    CountingStore store = new CountingStore();
    StepClock clock = new StepClock();
    // A cache of ten keys: a thousand made-up ones would evict the valid one if they shared it.
    Authenticator auth =
        new Authenticator(store, new TaplineConfig.Auth("", Duration.ofMinutes(5), 10, 0), clock);
    String valid = storedKey(store);
    assertThat(auth.authenticate(valid, "10.0.0.1"))
        .isInstanceOf(Authenticator.Authenticated.class);
    assertThat(store.lookups.get()).isEqualTo(1);
    assertThat(store.idLoads.get()).isEqualTo(1);

    String madeUp = ApiKeys.generate().key();
    for (int i = 0; i < 1000; i++) {
      assertThat(auth.authenticate(i % 2 == 0 ? madeUp : ApiKeys.generate().key(), "203.0.113.9"))
          .isInstanceOf(Authenticator.Refused.class);
    }
    // Refused from the ids in memory: no look-up, and no reload within a second.
    assertThat(store.lookups.get()).isEqualTo(1);
    assertThat(store.idLoads.get()).isEqualTo(1);
    // Later, a made-up id reloads the ids once, however many arrive.
    clock.advance(Duration.ofMillis(Authenticator.DIRECTORY_REFRESH_MILLIS));
    for (int i = 0; i < 100; i++) {
      auth.authenticate(ApiKeys.generate().key(), "203.0.113.9");
    }
    assertThat(store.idLoads.get()).isEqualTo(2);
    assertThat(store.lookups.get()).isEqualTo(1);
    assertThat(auth.authenticate(valid, "10.0.0.1"))
        .isInstanceOf(Authenticator.Authenticated.class);
    assertThat(store.lookups.get()).isEqualTo(1);
    // A wrong secret for a valid id is refused from the cache.
    String wrongSecret = valid.substring(0, valid.length() - 8) + "aaaaaaaa";
    assertThat(auth.authenticate(wrongSecret, "10.0.0.1"))
        .isInstanceOf(Authenticator.Refused.class);
  }

  @Test
  void aKeyMadeOnThisReplicaWorksAtOnceAndOneMadeOnAnotherWithinTheReloadInterval() {
    CountingStore store = new CountingStore();
    StepClock clock = new StepClock();
    Authenticator here =
        new Authenticator(store, new TaplineConfig.Auth("", Duration.ofMinutes(5), 100, 0), clock);
    Authenticator there =
        new Authenticator(store, new TaplineConfig.Auth("", Duration.ofMinutes(5), 100, 0), clock);
    // Both have loaded their ids.
    assertThat(here.authenticate(ApiKeys.generate().key(), ""))
        .isInstanceOf(Authenticator.Refused.class);
    assertThat(there.authenticate(ApiKeys.generate().key(), ""))
        .isInstanceOf(Authenticator.Refused.class);

    String key = storedKey(store);
    here.invalidate(ApiKeys.parse(key).keyId()); // what the admin service does after storing it
    assertThat(here.authenticate(key, "")).isInstanceOf(Authenticator.Authenticated.class);
    assertThat(there.authenticate(key, "")).isInstanceOf(Authenticator.Refused.class);
    clock.advance(Duration.ofMillis(Authenticator.DIRECTORY_REFRESH_MILLIS));
    assertThat(there.authenticate(key, "")).isInstanceOf(Authenticator.Authenticated.class);
  }

  @Test
  void anAddressFailingTooOftenIsRefusedWithoutLookupsButCachedKeysStillPass() {
    CountingStore store = new CountingStore();
    Authenticator auth =
        new Authenticator(
            store, new TaplineConfig.Auth("", Duration.ofMinutes(5), 1000, 5), Clock.systemUTC());
    String valid = storedKey(store);
    assertThat(auth.authenticate(valid, "198.51.100.7"))
        .isInstanceOf(Authenticator.Authenticated.class);
    for (int i = 0; i < 5; i++) {
      assertThat(auth.authenticate(ApiKeys.generate().key(), "198.51.100.7"))
          .isInstanceOf(Authenticator.Refused.class);
    }
    int lookups = store.lookups.get();
    Authenticator.Result blocked = auth.authenticate(ApiKeys.generate().key(), "198.51.100.7");
    assertThat(blocked).isInstanceOf(Authenticator.TryLater.class);
    assertThat(((Authenticator.TryLater) blocked).retryAfter()).isPositive();
    assertThat(store.lookups.get()).isEqualTo(lookups);
    // A key already cached passes from the same address; other addresses are not affected.
    assertThat(auth.authenticate(valid, "198.51.100.7"))
        .isInstanceOf(Authenticator.Authenticated.class);
    assertThat(auth.authenticate(ApiKeys.generate().key(), "198.51.100.8"))
        .isInstanceOf(Authenticator.Refused.class);
  }
}
