package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ApiKeyStore} must do, whatever the backend: keys are never deleted, a new
 * version (revoked, renamed) replaces the old one, and list and ids include revoked keys.
 *
 * <p>The tests of one backend share one database, so each test uses key ids of its own.
 */
public abstract class ApiKeyStoreContract {

  /** Times as the store keeps them: whole milliseconds. */
  static final Instant CREATED = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  protected abstract ApiKeyStore store();

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  static ApiKeyRecord key(String keyId, String name, Instant expiresAt) {
    return new ApiKeyRecord(
        keyId,
        name,
        "sha256:" + name + ":" + keyId,
        Set.of("ingest", "read"),
        "svc-" + name,
        "cust-" + name,
        "plan-" + name,
        CREATED,
        expiresAt,
        false);
  }

  /** The listed keys whose id starts with {@code prefix}, in the order listed. */
  private List<ApiKeyRecord> listed(String prefix) {
    return store().list().stream().filter(k -> k.keyId().startsWith(prefix)).toList();
  }

  @Test
  void aStoredKeyReadsBackUnchanged() {
    String id = unique("key-get");
    ApiKeyRecord key =
        new ApiKeyRecord(
            id,
            "ci deploys",
            "hash-" + id,
            Set.of("ingest", "read", "replay", "admin"),
            "checkout",
            "cust-1",
            "pro",
            CREATED,
            CREATED.plus(Duration.ofDays(30)),
            false);
    store().put(key);

    assertThat(store().get(id)).contains(key);
    assertThat(listed(id)).containsExactly(key);
  }

  @Test
  void aKeyWithoutExpiryScopesOrServiceReadsBackUnchanged() {
    String id = unique("key-bare");
    ApiKeyRecord key = new ApiKeyRecord(id, "", "hash", Set.of(), "", "", "", CREATED, null, false);
    store().put(key);

    assertThat(store().get(id)).contains(key);
    assertThat(store().get(id).orElseThrow().expiresAt()).isNull();
  }

  @Test
  void anUnknownKeyIsEmptyAndHasNoId() {
    String id = unique("key-unknown");

    assertThat(store().get(id)).isEmpty();
    assertThat(store().ids()).doesNotContain(id);
    assertThat(listed(id)).isEmpty();
  }

  @Test
  void aRevokedVersionReplacesTheKey() {
    String id = unique("key-revoke");
    ApiKeyRecord key = key(id, "to-revoke", null);
    store().put(key);
    store().put(key.revoke());

    assertThat(store().get(id)).contains(key.revoke());
    assertThat(store().get(id).orElseThrow().revoked()).isTrue();
    assertThat(listed(id)).containsExactly(key.revoke());
  }

  @Test
  void aNewVersionReplacesEveryField() {
    String id = unique("key-rename");
    store().put(key(id, "one", null));
    ApiKeyRecord renamed = key(id, "two", CREATED.plus(Duration.ofDays(1)));
    store().put(renamed);

    assertThat(store().get(id)).contains(renamed);
    assertThat(listed(id)).containsExactly(renamed);
  }

  @Test
  void theListHoldsEveryKeyOnceRevokedOnesIncludedOrderedById() {
    String prefix = unique("key-list");
    ApiKeyRecord a = key(prefix + "-a", "a", null);
    ApiKeyRecord b = key(prefix + "-b", "b", null);
    ApiKeyRecord c = key(prefix + "-c", "c", null);
    store().put(c);
    store().put(a);
    store().put(b);
    store().put(a.revoke());

    assertThat(listed(prefix)).containsExactly(a.revoke(), b, c);
  }

  @Test
  void theIdsHoldEveryKeyRevokedOnesIncluded() {
    String prefix = unique("key-ids");
    ApiKeyRecord live = key(prefix + "-live", "live", null);
    ApiKeyRecord revoked = key(prefix + "-revoked", "revoked", null).revoke();
    store().put(live);
    store().put(revoked);

    Set<String> ids = store().ids();

    assertThat(ids).contains(live.keyId(), revoked.keyId()).doesNotContain(prefix);
    assertThat(ids.stream().filter(id -> id.startsWith(prefix)))
        .containsExactlyInAnyOrder(live.keyId(), revoked.keyId());
  }
}
