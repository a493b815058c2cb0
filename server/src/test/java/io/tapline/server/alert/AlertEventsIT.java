package io.tapline.server.alert;

import static io.tapline.server.alert.AlertFixtures.create;
import static io.tapline.server.alert.AlertFixtures.ingest;
import static io.tapline.server.alert.AlertFixtures.storedEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import io.tapline.proto.v1.AbsenceCondition;
import io.tapline.proto.v1.Aggregate;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertEventFilter;
import io.tapline.proto.v1.AlertEventKind;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.BurnRateCondition;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.DriftCondition;
import io.tapline.proto.v1.DriftMetric;
import io.tapline.proto.v1.DriftServiceGrpc;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.SaveDriftBaselineRequest;
import io.tapline.proto.v1.Severity;
import io.tapline.proto.v1.SubscribeAlertsRequest;
import io.tapline.proto.v1.WindowedCondition;
import io.tapline.server.testing.TestTapline;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rules of every kind fire and resolve on generated traffic, against the real engine. */
class AlertEventsIT {

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline()
          .withFlags(
              "--alerts.evaluation-interval=1s",
              "--alerts.event-poll-interval=100ms",
              "--alerts.heartbeat-interval=300ms");

  private static List<AlertEventKind> kinds(List<AlertEvent> events) {
    return events.stream().map(AlertEvent::getKind).toList();
  }

  @Test
  void perCallRuleReportsAStormAsACount() {
    AlertRule rule = create(tapline.channel(), AlertFixtures.perCallServerErrors("orders", 1500));
    AlertFixtures.Subscriber subscriber =
        AlertFixtures.Subscriber.subscribe(
            tapline.channel(),
            SubscribeAlertsRequest.newBuilder()
                .setFilter(AlertEventFilter.newBuilder().setRuleId(rule.getId()))
                .build(),
            false);
    await().untilAsserted(() -> assertThat(subscriber.heartbeats.get()).isPositive());

    ingest(tapline.channel(), "orders", 5, 200, 10);
    ingest(tapline.channel(), "orders", 1, 503, 10);
    await().untilAsserted(() -> assertThat(subscriber.events).hasSize(1));
    assertThat(subscriber.events.getFirst().getKind()).isEqualTo(AlertEventKind.TRIGGERED);
    assertThat(subscriber.events.getFirst().getCount()).isEqualTo(1);
    assertThat(subscriber.events.getFirst().getValue()).isEqualTo(503);
    assertThat(subscriber.events.getFirst().getThreshold()).isEqualTo(500);
    assertThat(subscriber.events.getFirst().getSampleCallIdsList()).hasSize(1);

    // A storm within the cooldown (two batches, well inside it): one more event, with the count.
    ingest(tapline.channel(), "orders", 100, 500, 10);
    ingest(tapline.channel(), "orders", 100, 500, 10);
    await().untilAsserted(() -> assertThat(subscriber.events).hasSize(2));
    assertThat(subscriber.events.get(1).getCount()).isEqualTo(200);
    assertThat(subscriber.events.get(1).getSampleCallIdsCount())
        .isEqualTo(PerCallEvaluator.SAMPLES);
    assertThat(storedEvents(tapline.channel(), rule.getId())).hasSize(2);
    subscriber.cancel();

    // The same history over JSON, newest first, one page at a time.
    String page =
        tapline
            .http()
            .get("/v1/alert-events?filter.rule_id=" + rule.getId() + "&page_size=1")
            .aggregate()
            .join()
            .contentUtf8();
    assertThat(page).contains("\"count\":\"200\"").contains("nextPageToken");
  }

  @Test
  void aRetriedBatchCountsItsCallsOnce() {
    AlertRule rule = create(tapline.channel(), AlertFixtures.perCallServerErrors("retries", 1500));
    ingest(tapline.channel(), "retries", 1, 503, 10);
    await()
        .untilAsserted(() -> assertThat(storedEvents(tapline.channel(), rule.getId())).hasSize(1));

    // Ten failing calls within the cooldown, their batch sent twice (as a client retries a batch
    // whose ack it lost): the rule sees ten calls, not twenty.
    IngestRequest.Builder batch = IngestRequest.newBuilder().setBatchId("retried-batch");
    for (int i = 0; i < 10; i++) {
      batch.addCalls(AlertFixtures.call("retries", 500, 10));
    }
    IngestServiceGrpc.IngestServiceBlockingStub ingest =
        IngestServiceGrpc.newBlockingStub(tapline.channel());
    assertThat(ingest.ingest(batch.build()).getAccepted()).isEqualTo(10);
    assertThat(ingest.ingest(batch.build()).getAccepted()).isEqualTo(10);
    await()
        .untilAsserted(() -> assertThat(storedEvents(tapline.channel(), rule.getId())).hasSize(2));
    assertThat(storedEvents(tapline.channel(), rule.getId()))
        .extracting(AlertEvent::getCount)
        .containsExactlyInAnyOrder(1L, 10L);
  }

  @Test
  void windowedErrorRateFiresOnceAndResolvesWithHysteresis() {
    AlertRule rule =
        create(
            tapline.channel(),
            AlertRule.newBuilder()
                .setName("error rate")
                .setService("payments")
                .setSeverity(Severity.CRITICAL)
                .setEnabled(true)
                .setWindowed(
                    WindowedCondition.newBuilder()
                        .setAggregate(Aggregate.ERROR_RATE)
                        .setThreshold(0.5)
                        .setResolveThreshold(0.2)
                        .setResolveAfterEvaluations(2)
                        .setMinSamples(10)
                        .setWindow(Durations.fromSeconds(10)))
                .build());
    // Below the minimum sample count: nothing, however bad.
    ingest(tapline.channel(), "payments", 5, 500, 10);
    // Enough calls, 5 / 12 + ... failing: above the threshold once the window holds them all.
    ingest(tapline.channel(), "payments", 10, 500, 10);
    ingest(tapline.channel(), "payments", 5, 200, 10);
    AlertEvent firing = awaitOnlyFiring(rule.getId());
    assertThat(firing.getValue()).isGreaterThan(0.5);
    assertThat(firing.getThreshold()).isEqualTo(0.5);
    assertThat(firing.getWindow()).isEqualTo(Durations.fromSeconds(10));
    assertThat(firing.getSampleCallIdsList()).isNotEmpty();
    assertThat(firing.getSeverity()).isEqualTo(Severity.CRITICAL);

    // Healthy traffic dilutes the rate; once the failures leave the window, it resolves, once.
    ingest(tapline.channel(), "payments", 100, 200, 10);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(kinds(storedEvents(tapline.channel(), rule.getId())))
                    .containsExactly(AlertEventKind.FIRING, AlertEventKind.RESOLVED));
  }

  @Test
  void driftRulesFireOnAShiftAndResolveWhenItIsGone() {
    // The reference: 200 calls between 5 and 1 minutes ago, 10 to 30 ms.
    IngestRequest.Builder past = IngestRequest.newBuilder();
    Instant now = Instant.now();
    for (int i = 0; i < 200; i++) {
      Instant at = now.minusSeconds(300 - i);
      past.addCalls(
          AlertFixtures.call("drifting", 200, 10 + i % 21).toBuilder()
              .setTimestamp(
                  com.google.protobuf.Timestamp.newBuilder().setSeconds(at.getEpochSecond())));
    }
    IngestServiceGrpc.newBlockingStub(tapline.channel()).ingest(past.build());
    DriftServiceGrpc.newBlockingStub(tapline.channel())
        .saveDriftBaseline(
            SaveDriftBaselineRequest.newBuilder()
                .setName("normal")
                .setFilter(
                    CallFilter.newBuilder()
                        .setService("drifting")
                        .setStartTime(
                            com.google.protobuf.Timestamp.newBuilder()
                                .setSeconds(now.minusSeconds(400).getEpochSecond()))
                        .setEndTime(
                            com.google.protobuf.Timestamp.newBuilder()
                                .setSeconds(now.minusSeconds(60).getEpochSecond())))
                .addFeatures("latency_ms")
                .build());
    DriftCondition.Builder condition =
        DriftCondition.newBuilder()
            .setFeature("latency_ms")
            .setMetric(DriftMetric.PSI)
            .setThreshold(1)
            .setResolveThreshold(0.5)
            .setWindow(Durations.fromSeconds(10))
            .setMinSamples(20);
    AlertRule onBaseline =
        create(
            tapline.channel(),
            AlertRule.newBuilder()
                .setName("latency drift from the baseline")
                .setService("drifting")
                .setEnabled(true)
                .setDrift(condition.clone().setBaseline("normal"))
                .build());
    AlertRule onWindow =
        create(
            tapline.channel(),
            AlertRule.newBuilder()
                .setName("latency drift from the last 10 minutes")
                .setService("drifting")
                .setEnabled(true)
                .setDrift(condition.clone().setReferenceWindow(Durations.fromMinutes(10)))
                .build());
    assertThat(onWindow.getDrift().getBins()).isEqualTo(10);

    // Every call now far slower than any of the reference: both fire.
    ingest(tapline.channel(), "drifting", 50, 200, 400);
    AlertEvent firing = awaitOnlyFiring(onBaseline.getId());
    assertThat(firing.getValue()).isGreaterThan(1);
    assertThat(firing.getThreshold()).isEqualTo(1);
    assertThat(awaitOnlyFiring(onWindow.getId()).getValue()).isGreaterThan(1);

    // The slow calls leave the window, calls like the reference's come: the baseline's rule
    // resolves.
    await()
        .atMost(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              for (int latency = 10; latency <= 30; latency++) {
                ingest(tapline.channel(), "drifting", 1, 200, latency);
              }
              assertThat(kinds(storedEvents(tapline.channel(), onBaseline.getId())))
                  .containsExactly(AlertEventKind.FIRING, AlertEventKind.RESOLVED);
            });
  }

  @Test
  void driftRulesAreChecked() {
    AlertRule.Builder rule =
        AlertRule.newBuilder().setName("bad drift").setService("drifting").setEnabled(true);
    DriftCondition valid =
        DriftCondition.newBuilder()
            .setFeature("route")
            .setMetric(DriftMetric.PSI)
            .setThreshold(0.2)
            .setWindow(Durations.fromMinutes(5))
            .build();
    for (var bad :
        List.of(
            Map.entry(valid.toBuilder().setMetric(DriftMetric.KS), "rule.drift.metric"),
            Map.entry(valid.toBuilder().setFeature("nope"), "rule.drift.feature"),
            Map.entry(valid.toBuilder().setThreshold(0), "rule.drift.threshold"),
            Map.entry(
                valid.toBuilder().setBaseline("b").setReferenceWindow(Durations.fromHours(1)),
                "rule.drift.baseline"))) {
      assertThatThrownBy(() -> create(tapline.channel(), rule.setDrift(bad.getKey()).build()))
          .hasMessageContaining(bad.getValue());
    }
  }

  @Test
  void windowedLatencyP99FiresWithTheWindowsP99() {
    AlertRule rule =
        create(
            tapline.channel(),
            AlertRule.newBuilder()
                .setName("slow tail")
                .setService("search")
                .setSeverity(Severity.WARNING)
                .setEnabled(true)
                .setWindowed(
                    WindowedCondition.newBuilder()
                        .setAggregate(Aggregate.LATENCY_P99)
                        .setThreshold(500)
                        .setMinSamples(10)
                        .setWindow(Durations.fromSeconds(10)))
                .build());
    // 95 fast calls and 5 at 900 ms: the 99th percentile is 900 ms.
    ingest(tapline.channel(), "search", 95, 200, 20);
    ingest(tapline.channel(), "search", 5, 200, 900);
    AlertEvent firing = awaitOnlyFiring(rule.getId());
    // Within the analytics queries' precision (0.5 %).
    assertThat(firing.getValue()).isCloseTo(900, org.assertj.core.api.Assertions.within(4.6));
  }

  @Test
  void absenceFiresWithoutTrafficAndResolvesWhenItComes() {
    AlertRule rule =
        create(
            tapline.channel(),
            AlertRule.newBuilder()
                .setService("silent")
                .setEnabled(true)
                .setAbsence(AbsenceCondition.newBuilder().setWindow(Durations.fromSeconds(10)))
                .setRenotifyInterval(Durations.fromSeconds(2))
                .build());
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(kinds(storedEvents(tapline.channel(), rule.getId())))
                    .startsWith(AlertEventKind.FIRING, AlertEventKind.STILL_FIRING));
    ingest(tapline.channel(), "silent", 1, 200, 10);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(kinds(storedEvents(tapline.channel(), rule.getId())))
                    .last()
                    .isEqualTo(AlertEventKind.RESOLVED));
    List<AlertEventKind> kinds = kinds(storedEvents(tapline.channel(), rule.getId()));
    assertThat(kinds.subList(1, kinds.size() - 1)).containsOnly(AlertEventKind.STILL_FIRING);
  }

  @Test
  void burnRateNeedsBothWindowsToBurn() {
    AlertRule rule =
        create(
            tapline.channel(),
            AlertRule.newBuilder()
                .setService("search")
                .setEnabled(true)
                .setBurnRate(
                    BurnRateCondition.newBuilder()
                        .setTarget(0.99)
                        .setLatencyObjectiveMs(100)
                        .setLongWindow(Durations.fromSeconds(60))
                        .setShortWindow(Durations.fromSeconds(10))
                        .setBurnRate(10))
                .build());
    // 20% bad (slow) calls: 20x the 1% budget, in both windows.
    ingest(tapline.channel(), "search", 80, 200, 20);
    ingest(tapline.channel(), "search", 20, 200, 500);
    AlertEvent firing = awaitOnlyFiring(rule.getId());
    assertThat(firing.getValue()).isBetween(15.0, 25.0);
    assertThat(firing.getThreshold()).isEqualTo(10);
    // Once the short window is clean the burn has stopped, although the long one still burns.
    ingest(tapline.channel(), "search", 5, 200, 20);
    await()
        .atMost(Duration.ofSeconds(25))
        .untilAsserted(
            () ->
                assertThat(kinds(storedEvents(tapline.channel(), rule.getId())))
                    .containsExactly(AlertEventKind.FIRING, AlertEventKind.RESOLVED));
  }

  /** Waits until the rule's only stored event is FIRING, and returns it. */
  private static AlertEvent awaitOnlyFiring(String ruleId) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(kinds(storedEvents(tapline.channel(), ruleId)))
                    .containsExactly(AlertEventKind.FIRING));
    return storedEvents(tapline.channel(), ruleId).getFirst();
  }
}
