package io.tapline.server.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tapline.proto.v1.SubscribeAlertsRequest;
import io.tapline.server.testing.TestTapline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SubscribeAlerts streams answer to their key: it is checked while they stay open, and counted. */
class AlertStreamKeysIT {

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline()
          .withFlags(
              "--alerts.heartbeat-interval=300ms",
              "--alerts.max-subscriptions-per-key=3",
              "--alerts.key-check-interval=500ms",
              "--auth.cache-ttl=1s");

  @Test
  void aStreamEndsWhenItsKeyIsRevokedElsewhere() {
    String key = tapline.newKey(java.util.Set.of("read"), "");
    AlertFixtures.Subscriber subscriber =
        AlertFixtures.Subscriber.subscribe(
            tapline.channel(key), SubscribeAlertsRequest.getDefaultInstance(), false);
    await().until(() -> subscriber.heartbeats.get() > 0);
    // Revoked in the store, as another replica would: this replica learns it from its cache.
    var keys =
        new io.tapline.server.storage.clickhouse.ClickHouseApiKeyStore(
            tapline.server().storage().dataSource());
    String keyId = io.tapline.server.auth.ApiKeys.parse(key).keyId();
    keys.put(keys.get(keyId).orElseThrow().revoke());
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(subscriber.closed.get()).isNotNull();
              assertThat(subscriber.closed.get().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(subscriber.closed.get().getDescription()).contains("revoked");
            });
  }

  @Test
  void aKeyMayHoldOnlySoManyStreams() {
    String key = tapline.newKey(java.util.Set.of("read"), "");
    List<AlertFixtures.Subscriber> open = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      open.add(
          AlertFixtures.Subscriber.subscribe(
              tapline.channel(key), SubscribeAlertsRequest.getDefaultInstance(), false));
    }
    await().until(() -> open.stream().allMatch(s -> s.heartbeats.get() > 0));
    AlertFixtures.Subscriber fourth =
        AlertFixtures.Subscriber.subscribe(
            tapline.channel(key), SubscribeAlertsRequest.getDefaultInstance(), false);
    await().until(() -> fourth.closed.get() != null);
    assertThat(fourth.closed.get().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(fourth.closed.get().getDescription()).contains("max-subscriptions-per-key");
    // Another key is not affected, and a closed stream frees its place.
    AlertFixtures.Subscriber other =
        AlertFixtures.Subscriber.subscribe(
            tapline.channel(tapline.newKey(java.util.Set.of("read"), "")),
            SubscribeAlertsRequest.getDefaultInstance(),
            false);
    open.getFirst().cancel();
    AlertFixtures.Subscriber again =
        await()
            .until(
                () -> {
                  AlertFixtures.Subscriber s =
                      AlertFixtures.Subscriber.subscribe(
                          tapline.channel(key), SubscribeAlertsRequest.getDefaultInstance(), false);
                  await().until(() -> s.heartbeats.get() > 0 || s.closed.get() != null);
                  return s;
                },
                s -> s.closed.get() == null);
    assertThat(other.closed.get()).isNull();
    again.cancel();
    other.cancel();
    open.forEach(AlertFixtures.Subscriber::cancel);
  }
}
