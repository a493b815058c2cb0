package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link WindowStore} must do, over calls stored through its backend's {@link CallSink}:
 * each probe counts the calls of the service in {@code [its start, the window's end)} that match
 * its route, customer and plan, measures them, and names a few matching calls as samples; the
 * results come in the order of the probes.
 *
 * <p>The tests of one backend share one database, so each test writes calls of a service of its
 * own.
 */
public abstract class WindowStoreContract {

  /** A window start on a whole second, recent enough for the calls' retention. */
  static final Instant START = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(1800);

  static final long START_MILLIS = START.toEpochMilli();

  /** The window: one minute. */
  static final long END_MILLIS = START_MILLIS + 60_000;

  protected abstract CallSink sink();

  protected abstract WindowStore windows();

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  static CallRecord call(
      String service,
      String id,
      Instant at,
      String route,
      String customerId,
      String plan,
      int status,
      long latencyMicros,
      String error) {
    return new CallRecord(
        id,
        at,
        service,
        "GET",
        "https://svc.test" + route,
        route,
        route,
        Map.of(),
        Map.of(),
        Map.of(),
        "",
        0,
        "",
        0,
        status,
        latencyMicros,
        error,
        "10.0.0.1",
        Map.of(),
        "",
        "",
        customerId,
        "key-1",
        plan,
        1,
        false,
        false,
        Map.of(),
        Map.of());
  }

  /** A call on route /a of customer c1 on plan p1, 200 OK in 10 ms. */
  static CallRecord call(String service, String id, Instant at) {
    return call(service, id, at, "/a", "c1", "p1", 200, 10_000, "");
  }

  static WindowProbe probe(WindowProbe.Measure measure, long fromMillis) {
    return new WindowProbe("", "", "", measure, fromMillis, 0, 0);
  }

  private void write(List<CallRecord> calls) {
    sink()
        .submit(
            CallStorageContract.SENDER, CallStorageContract.batch(unique("window-batch"), calls))
        .join();
  }

  private List<WindowProbe.Result> measure(String service, WindowProbe... probes) {
    List<WindowProbe.Result> results =
        windows().measure(service, START_MILLIS, END_MILLIS, List.of(probes));
    assertThat(results).hasSize(probes.length);
    return results;
  }

  @Test
  void countsTheServicesCallsFromEachProbesStartToTheWindowsEnd() {
    String service = unique("win-count");
    write(
        List.of(
            call(service, "at-start", START),
            call(service, "at-10s", START.plusSeconds(10)),
            call(service, "at-40s", START.plusSeconds(40)),
            call(service, "last", START.plusMillis(59_999)),
            call(service, "before", START.minusMillis(1)),
            call(service, "at-end", START.plusSeconds(60))));
    write(List.of(call(unique("win-other"), "other-service", START.plusSeconds(10))));

    List<WindowProbe.Result> results =
        measure(
            service,
            probe(WindowProbe.Measure.COUNT, START_MILLIS),
            probe(WindowProbe.Measure.COUNT, START_MILLIS + 30_000));

    assertThat(results.get(0).samples()).isEqualTo(4);
    assertThat(results.get(0).value()).isEqualTo(4.0);
    assertThat(results.get(0).sampleCallIds())
        .containsExactlyInAnyOrder("at-start", "at-10s", "at-40s", "last");
    assertThat(results.get(1).samples()).isEqualTo(2);
    assertThat(results.get(1).value()).isEqualTo(2.0);
    assertThat(results.get(1).sampleCallIds()).containsExactlyInAnyOrder("at-40s", "last");
    assertThat(windows().measure(service, START_MILLIS, END_MILLIS, List.of())).isEmpty();
  }

  @Test
  void routeCustomerAndPlanNarrowAProbeAndEmptyOnesDoNot() {
    String service = unique("win-scope");
    Instant at = START.plusSeconds(5);
    write(
        List.of(
            call(service, "a-c1-p1", at, "/a", "c1", "p1", 200, 10_000, ""),
            call(service, "a-c2-p2", at, "/a", "c2", "p2", 200, 10_000, ""),
            call(service, "b-c1-p2", at, "/b", "c1", "p2", 200, 10_000, ""),
            call(service, "b-c2-p1", at, "/b", "c2", "p1", 200, 10_000, "")));
    WindowProbe.Measure count = WindowProbe.Measure.COUNT;

    List<WindowProbe.Result> results =
        measure(
            service,
            new WindowProbe("", "", "", count, START_MILLIS, 0, 0),
            new WindowProbe("/a", "", "", count, START_MILLIS, 0, 0),
            new WindowProbe("", "c1", "", count, START_MILLIS, 0, 0),
            new WindowProbe("", "", "p1", count, START_MILLIS, 0, 0),
            new WindowProbe("/a", "c1", "p1", count, START_MILLIS, 0, 0),
            new WindowProbe("/b", "c1", "p1", count, START_MILLIS, 0, 0));

    assertThat(results)
        .extracting(WindowProbe.Result::samples)
        .containsExactly(4L, 2L, 2L, 2L, 1L, 0L);
    assertThat(results.get(1).sampleCallIds()).containsExactlyInAnyOrder("a-c1-p1", "a-c2-p2");
    assertThat(results.get(2).sampleCallIds()).containsExactlyInAnyOrder("a-c1-p1", "b-c1-p2");
    assertThat(results.get(3).sampleCallIds()).containsExactlyInAnyOrder("a-c1-p1", "b-c2-p1");
    assertThat(results.get(4).sampleCallIds()).containsExactly("a-c1-p1");
    assertThat(results.get(5).sampleCallIds()).isEmpty();
  }

  @Test
  void errorsAndStatusClassesAreCountedAmongTheCallsInScope() {
    String service = unique("win-errors");
    Instant at = START.plusSeconds(5);
    write(
        List.of(
            call(service, "ok", at, "/a", "c1", "p1", 200, 10_000, ""),
            call(service, "created", at, "/a", "c1", "p1", 201, 10_000, ""),
            call(service, "not-found", at, "/a", "c1", "p1", 404, 10_000, ""),
            call(service, "too-many", at, "/a", "c1", "p1", 429, 10_000, ""),
            call(service, "failed", at, "/a", "c1", "p1", 500, 10_000, ""),
            call(service, "unavailable", at, "/a", "c1", "p1", 503, 10_000, ""),
            call(service, "broken", at, "/a", "c1", "p1", 200, 10_000, "connection reset")));

    List<WindowProbe.Result> results =
        measure(
            service,
            probe(WindowProbe.Measure.ERROR_COUNT, START_MILLIS),
            new WindowProbe("", "", "", WindowProbe.Measure.STATUS_CLASS_COUNT, START_MILLIS, 4, 0),
            new WindowProbe("", "", "", WindowProbe.Measure.STATUS_CLASS_COUNT, START_MILLIS, 2, 0),
            new WindowProbe("/b", "", "", WindowProbe.Measure.ERROR_COUNT, START_MILLIS, 0, 0));

    WindowProbe.Result errors = results.get(0);
    assertThat(errors.samples()).isEqualTo(7);
    assertThat(errors.value()).isEqualTo(3.0);
    assertThat(errors.sampleCallIds()).containsExactlyInAnyOrder("failed", "unavailable", "broken");
    WindowProbe.Result clientErrors = results.get(1);
    assertThat(clientErrors.samples()).isEqualTo(7);
    assertThat(clientErrors.value()).isEqualTo(2.0);
    assertThat(clientErrors.sampleCallIds()).containsExactlyInAnyOrder("not-found", "too-many");
    assertThat(results.get(2).value()).isEqualTo(3.0);
    assertThat(results.get(2).sampleCallIds()).containsExactlyInAnyOrder("ok", "created", "broken");
    // No call in scope: nothing counted (the evaluator reads counts of an empty window as 0).
    assertThat(results.get(3).samples()).isZero();
    assertThat(results.get(3).value()).isZero();
    assertThat(results.get(3).sampleCallIds()).isEmpty();
  }

  @Test
  void badCallsAreErrorsAndWithALatencyObjectiveSlowCalls() {
    String service = unique("win-bad");
    Instant at = START.plusSeconds(5);
    write(
        List.of(
            call(service, "fast-1", at, "/a", "c1", "p1", 200, 10_000, ""),
            call(service, "fast-2", at, "/a", "c1", "p1", 200, 10_000, ""),
            call(service, "slow-1", at, "/a", "c1", "p1", 200, 300_000, ""),
            call(service, "slow-2", at, "/a", "c1", "p1", 200, 400_000, ""),
            call(service, "failed", at, "/a", "c1", "p1", 502, 10_000, ""),
            call(service, "edge", at, "/a", "c1", "p1", 200, 200_000, "")));

    List<WindowProbe.Result> results =
        measure(
            service,
            new WindowProbe("", "", "", WindowProbe.Measure.BAD_COUNT, START_MILLIS, 0, 0),
            new WindowProbe("", "", "", WindowProbe.Measure.BAD_COUNT, START_MILLIS, 0, 200_000));

    assertThat(results.get(0).samples()).isEqualTo(6);
    assertThat(results.get(0).value()).isEqualTo(1.0);
    assertThat(results.get(0).sampleCallIds()).containsExactly("failed");
    // Slower than the objective: a call that takes exactly as long is not bad.
    assertThat(results.get(1).samples()).isEqualTo(6);
    assertThat(results.get(1).value()).isEqualTo(3.0);
    assertThat(results.get(1).sampleCallIds())
        .containsExactlyInAnyOrder("slow-1", "slow-2", "failed");
  }

  @Test
  void latencyPercentilesAreThoseOfTheCallsInScope() {
    String service = unique("win-latency");
    List<CallRecord> calls = new ArrayList<>();
    // 97 calls of 20 ms and 3 of 900 ms: the 95th percentile is 20 ms, the 99th 900 ms.
    for (int i = 0; i < 100; i++) {
      long latency = i < 97 ? 20_000 : 900_000;
      calls.add(
          call(
              service,
              "call-" + i,
              START.plusMillis(100L * i),
              "/a",
              "c1",
              "p1",
              200,
              latency,
              ""));
    }
    write(calls);

    List<WindowProbe.Result> results =
        measure(
            service,
            new WindowProbe("", "", "", WindowProbe.Measure.LATENCY_P95, START_MILLIS, 0, 0),
            new WindowProbe("", "", "", WindowProbe.Measure.LATENCY_P99, START_MILLIS, 0, 500_000),
            new WindowProbe("/b", "", "", WindowProbe.Measure.LATENCY_P99, START_MILLIS, 0, 0));

    // Within the analytics queries' precision (0.5 %).
    assertThat(results.get(0).samples()).isEqualTo(100);
    assertThat(results.get(0).value()).isCloseTo(20_000.0, withinPercentage(1));
    assertThat(results.get(1).samples()).isEqualTo(100);
    assertThat(results.get(1).value()).isCloseTo(900_000.0, withinPercentage(1));
    // Samples of a latency probe: calls slower than its latency.
    assertThat(results.get(1).sampleCallIds())
        .containsExactlyInAnyOrder("call-97", "call-98", "call-99");
    // No call in scope: no percentile.
    assertThat(results.get(2).samples()).isZero();
    assertThat(results.get(2).value()).isNaN();
    assertThat(results.get(2).sampleCallIds()).isEmpty();
  }

  @Test
  void aFewOfTheMatchingCallsAreNamedAsSamples() {
    String service = unique("win-samples");
    List<CallRecord> calls = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = "call-" + i;
      ids.add(id);
      calls.add(call(service, id, START.plusSeconds(i)));
    }
    write(calls);

    WindowProbe.Result result =
        measure(service, probe(WindowProbe.Measure.COUNT, START_MILLIS)).getFirst();

    assertThat(result.samples()).isEqualTo(20);
    assertThat(result.value()).isEqualTo(20.0);
    assertThat(result.sampleCallIds()).isNotEmpty().hasSizeLessThanOrEqualTo(5);
    assertThat(result.sampleCallIds()).doesNotHaveDuplicates().isSubsetOf(ids);
  }

  @Test
  void aServiceWithoutCallsHasNothingInAnyProbe() {
    String service = unique("win-empty");
    write(List.of(call(service, "long-ago", START.minusSeconds(3600))));

    List<WindowProbe.Result> results =
        measure(
            service,
            probe(WindowProbe.Measure.COUNT, START_MILLIS),
            probe(WindowProbe.Measure.ERROR_COUNT, START_MILLIS),
            probe(WindowProbe.Measure.LATENCY_P95, START_MILLIS),
            probe(WindowProbe.Measure.BAD_COUNT, START_MILLIS));

    assertThat(results).extracting(WindowProbe.Result::samples).containsOnly(0L);
    assertThat(results).allSatisfy(r -> assertThat(r.sampleCallIds()).isEmpty());
    assertThat(results.get(0).value()).isZero();
    assertThat(results.get(1).value()).isZero();
    assertThat(results.get(2).value()).isNaN();
    assertThat(results.get(3).value()).isZero();
  }
}
