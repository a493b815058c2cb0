package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AlertEventStore} must do, whatever the backend: events get ids that rise in the
 * order they are stored, a write whose dedup key was stored before stores nothing, the reads bound,
 * filter, order and limit as documented, and webhook deliveries read back newest first.
 *
 * <p>The tests of one backend share one database (and its ids), so each test uses rule ids and
 * services of its own, reads with filters on them, and compares ids only with each other.
 */
public abstract class AlertEventStoreContract {

  /** Event kinds, as the alert engine numbers them (tapline.v1.AlertEventKind). */
  static final int FIRING = 1;

  static final int RESOLVED = 2;
  static final int STILL_FIRING = 3;
  static final int TRIGGERED = 4;

  /** Recent (events expire) and in whole milliseconds (as the store keeps times). */
  static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);

  protected abstract AlertEventStore store();

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  /** Event {@code n} of a rule: its times, value, samples and text all depend on {@code n}. */
  static AlertEventRecord event(
      String ruleId, String service, int severity, int kind, int n, String origin) {
    Instant at = BASE.plusSeconds(n);
    return new AlertEventRecord(
        0,
        ruleId + ":" + kind + ":" + n,
        ruleId,
        "rule " + ruleId,
        service,
        severity,
        kind,
        0.5 + n,
        0.25,
        60_000,
        at.minusSeconds(60),
        at,
        at.plusMillis(250),
        List.of("call-" + n, "call-x"),
        n + 1,
        "event " + n + " of " + ruleId,
        origin);
  }

  static AlertEventRecord event(String ruleId, String service, int severity, int kind, int n) {
    return event(ruleId, service, severity, kind, n, "replica-1");
  }

  /** {@code e} as the store returns it, with {@code id}. */
  static AlertEventRecord withId(AlertEventRecord e, long id) {
    return new AlertEventRecord(
        id,
        e.key(),
        e.ruleId(),
        e.ruleName(),
        e.service(),
        e.severity(),
        e.kind(),
        e.value(),
        e.threshold(),
        e.windowMillis(),
        e.windowStart(),
        e.windowEnd(),
        e.eventTime(),
        e.sampleCallIds(),
        e.count(),
        e.description(),
        e.origin());
  }

  static AlertEventFilter ofRule(String ruleId) {
    return new AlertEventFilter("", ruleId, 0);
  }

  static AlertEventFilter ofService(String service) {
    return new AlertEventFilter(service, "", 0);
  }

  /** Stores each event in a write of its own, as the windowed evaluator does. */
  private void appendEach(AlertEventRecord... events) {
    for (AlertEventRecord e : events) {
      store().append(e.key(), List.of(e));
    }
  }

  /** Every stored event matching {@code filter}, oldest first. */
  private List<AlertEventRecord> all(AlertEventFilter filter) {
    return store().range(0, Long.MAX_VALUE, filter, 1_000);
  }

  private static List<String> keys(List<AlertEventRecord> events) {
    return events.stream().map(AlertEventRecord::key).toList();
  }

  @Test
  void appendedEventsReadBackWithRisingIds() {
    String rule = unique("ev-rule");
    String service = unique("ev-svc");
    long before = store().lastId();
    // One write of several events, then one more write.
    List<AlertEventRecord> first =
        List.of(
            event(rule, service, 2, TRIGGERED, 0),
            event(rule, service, 2, TRIGGERED, 1),
            event(rule, service, 3, TRIGGERED, 2));
    store().append(unique("ev-write"), first);
    AlertEventRecord later = event(rule, service, 1, TRIGGERED, 3);
    store().append(unique("ev-write"), List.of(later));

    List<AlertEventRecord> stored = store().range(before, Long.MAX_VALUE, ofRule(rule), 10);

    assertThat(stored).hasSize(4);
    assertThat(stored)
        .extracting(AlertEventRecord::id)
        .doesNotHaveDuplicates()
        .isSorted()
        .allSatisfy(id -> assertThat(id).isGreaterThan(before));
    List<AlertEventRecord> written = new ArrayList<>(first);
    written.add(later);
    for (int i = 0; i < written.size(); i++) {
      assertThat(stored.get(i)).isEqualTo(withId(written.get(i), stored.get(i).id()));
    }
    assertThat(store().lastId()).isEqualTo(stored.getLast().id());
  }

  @Test
  void aWriteWhoseDedupKeyWasStoredBeforeStoresNothing() {
    String rule = unique("ev-dedup");
    String service = unique("ev-svc");
    // Two replicas store the same transition under the same key, each naming itself.
    AlertEventRecord fromA = event(rule, service, 3, FIRING, 0, "replica-a");
    AlertEventRecord fromB = event(rule, service, 3, FIRING, 0, "replica-b");
    String dedupKey = unique("ev-transition");
    store().append(dedupKey, List.of(fromA));
    store().append(dedupKey, List.of(fromB));

    List<AlertEventRecord> stored = all(ofRule(rule));
    assertThat(stored).hasSize(1);
    assertThat(stored.getFirst()).isEqualTo(withId(fromA, stored.getFirst().id()));

    // Another key is another write.
    store().append(unique("ev-transition"), List.of(fromB));
    assertThat(all(ofRule(rule)))
        .extracting(AlertEventRecord::origin)
        .containsExactly("replica-a", "replica-b");
  }

  @Test
  void rangeHoldsTheMatchingEventsAfterOneIdUpToAnotherOldestFirst() {
    String ruleA = unique("ev-range-a");
    String ruleB = unique("ev-range-b");
    String ruleC = unique("ev-range-c");
    String service = unique("ev-svc");
    String otherService = unique("ev-svc-other");
    AlertEventRecord a1 = event(ruleA, service, 1, TRIGGERED, 0);
    AlertEventRecord a3 = event(ruleA, service, 3, TRIGGERED, 1);
    AlertEventRecord b2 = event(ruleB, service, 2, TRIGGERED, 2);
    AlertEventRecord a2 = event(ruleA, service, 2, TRIGGERED, 3);
    AlertEventRecord c3 = event(ruleC, otherService, 3, TRIGGERED, 4);
    appendEach(a1, a3, b2, a2, c3);

    List<AlertEventRecord> ofService = all(ofService(service));
    assertThat(keys(ofService)).containsExactly(a1.key(), a3.key(), b2.key(), a2.key());
    long idA1 = ofService.get(0).id();
    long idB2 = ofService.get(2).id();

    // After one id (excluded) up to another (included).
    assertThat(keys(store().range(idA1, idB2, ofService(service), 10)))
        .containsExactly(a3.key(), b2.key());
    // Filters: rule, minimum severity, service, and all of them.
    assertThat(keys(all(ofRule(ruleA)))).containsExactly(a1.key(), a3.key(), a2.key());
    assertThat(keys(all(new AlertEventFilter(service, "", 2))))
        .containsExactly(a3.key(), b2.key(), a2.key());
    assertThat(keys(all(ofService(otherService)))).containsExactly(c3.key());
    assertThat(keys(all(new AlertEventFilter(service, ruleA, 3)))).containsExactly(a3.key());
    assertThat(all(new AlertEventFilter(otherService, ruleA, 0))).isEmpty();
    // A limit keeps the oldest.
    assertThat(keys(store().range(0, Long.MAX_VALUE, ofService(service), 2)))
        .containsExactly(a1.key(), a3.key());
  }

  @Test
  void newestPagesBackwardsFromAnId() {
    String rule = unique("ev-newest");
    String service = unique("ev-svc");
    List<AlertEventRecord> events = new ArrayList<>();
    for (int n = 0; n < 5; n++) {
      events.add(event(rule, service, 1 + n % 3, TRIGGERED, n));
    }
    appendEach(events.toArray(new AlertEventRecord[0]));

    List<AlertEventRecord> first = store().newest(ofRule(rule), 0, 2);
    assertThat(keys(first)).containsExactly(events.get(4).key(), events.get(3).key());
    assertThat(first.getFirst()).isEqualTo(withId(events.get(4), first.getFirst().id()));
    List<AlertEventRecord> second = store().newest(ofRule(rule), first.getLast().id(), 2);
    assertThat(keys(second)).containsExactly(events.get(2).key(), events.get(1).key());
    List<AlertEventRecord> third = store().newest(ofRule(rule), second.getLast().id(), 2);
    assertThat(keys(third)).containsExactly(events.get(0).key());
    assertThat(store().newest(ofRule(rule), third.getLast().id(), 2)).isEmpty();
    // Severities 1, 2, 3, 1, 2: at least 2, newest first.
    assertThat(keys(store().newest(new AlertEventFilter(service, rule, 2), 0, 10)))
        .containsExactly(events.get(4).key(), events.get(2).key(), events.get(1).key());
  }

  @Test
  void latestOfKindsGivesEachRulesLatestEventAmongTheKinds() {
    String ruleA = unique("ev-latest-a");
    String ruleB = unique("ev-latest-b");
    String quiet = unique("ev-latest-quiet");
    String service = unique("ev-svc");
    AlertEventRecord aFiring = event(ruleA, service, 3, FIRING, 0);
    AlertEventRecord aResolved = event(ruleA, service, 3, RESOLVED, 1);
    AlertEventRecord aFiringAgain = event(ruleA, service, 3, FIRING, 2);
    AlertEventRecord aStill = event(ruleA, service, 3, STILL_FIRING, 3);
    AlertEventRecord bFiring = event(ruleB, service, 2, FIRING, 4);
    AlertEventRecord bResolved = event(ruleB, service, 2, RESOLVED, 5);
    appendEach(aFiring, aResolved, aFiringAgain, aStill, bFiring, bResolved);

    Map<String, AlertEventRecord> transitions =
        store().latestOfKinds(List.of(ruleA, ruleB, quiet), List.of(FIRING, RESOLVED));
    assertThat(transitions).containsOnlyKeys(ruleA, ruleB);
    assertThat(transitions.get(ruleA)).isEqualTo(withId(aFiringAgain, transitions.get(ruleA).id()));
    assertThat(transitions.get(ruleB)).isEqualTo(withId(bResolved, transitions.get(ruleB).id()));

    Map<String, AlertEventRecord> states =
        store().latestOfKinds(List.of(ruleA, ruleB), List.of(FIRING, STILL_FIRING, RESOLVED));
    assertThat(states.get(ruleA).key()).isEqualTo(aStill.key());
    assertThat(states.get(ruleB).key()).isEqualTo(bResolved.key());
    assertThat(states.get(ruleA).id()).isGreaterThan(transitions.get(ruleA).id());

    assertThat(store().latestOfKinds(List.of(ruleA), List.of(RESOLVED)).get(ruleA).key())
        .isEqualTo(aResolved.key());
    assertThat(store().latestOfKinds(List.of(ruleA, ruleB), List.of(TRIGGERED))).isEmpty();
    assertThat(store().latestOfKinds(List.of(), List.of(FIRING))).isEmpty();
  }

  @Test
  void deliveriesReadBackNewestFirstFilteredByRuleAndEvent() {
    String rule = unique("ev-deliveries");
    String otherRule = unique("ev-deliveries-other");
    // Event ids of no stored event, so that no other test's deliveries share them.
    long event1 = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
    long event2 = event1 + 1;
    Instant t = BASE.plusMillis(123);
    WebhookDeliveryRecord e1First =
        new WebhookDeliveryRecord(
            t, event1, rule, "https://hooks.test/a", 1, 0, false, "connection refused");
    WebhookDeliveryRecord e1Second =
        new WebhookDeliveryRecord(
            t.plusSeconds(2), event1, rule, "https://hooks.test/a", 2, 200, true, "");
    WebhookDeliveryRecord e2First =
        new WebhookDeliveryRecord(
            t.plusSeconds(4), event2, rule, "https://hooks.test/b", 1, 503, false, "HTTP 503");
    WebhookDeliveryRecord other =
        new WebhookDeliveryRecord(
            t.plusSeconds(6), event1, otherRule, "https://hooks.test/c", 1, 204, true, "");
    store().logDelivery(e1First);
    store().logDelivery(e2First);
    store().logDelivery(e1Second);
    store().logDelivery(other);

    assertThat(store().deliveries(rule, 0, 10)).containsExactly(e2First, e1Second, e1First);
    assertThat(store().deliveries(rule, event1, 10)).containsExactly(e1Second, e1First);
    assertThat(store().deliveries("", event1, 10)).containsExactly(other, e1Second, e1First);
    assertThat(store().deliveries(otherRule, event2, 10)).isEmpty();
    assertThat(store().deliveries(rule, 0, 1)).containsExactly(e2First);
    assertThat(store().deliveries("", 0, 100_000)).contains(e1First, e1Second, e2First, other);
  }
}
