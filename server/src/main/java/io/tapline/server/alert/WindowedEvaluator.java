package io.tapline.server.alert;

import io.tapline.proto.v1.Aggregate;
import io.tapline.proto.v1.AlertEventKind;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertEventStore;
import io.tapline.server.storage.WindowProbe;
import io.tapline.server.storage.WindowStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Windowed, absence, burn-rate and drift rules, evaluated at every multiple of the evaluation
 * interval since the epoch (a "slot"), over windows ending at the slot, with one ClickHouse query
 * per (service, window) for all the rules that share them, and one drift comparison per drift rule
 * ({@link DriftMeasure}).
 *
 * <p>A rule's state (firing or not, and when it last notified) is its latest transition in the
 * events table, so every replica agrees on it. A transition is stored under the key {@code
 * rule:kind:slot}, which is the insert's deduplication token: replicas evaluating the same slot
 * over the same data store the transition once; a replica evaluating later sees the transition and
 * does not repeat it. Only the count of clean evaluations (hysteresis) is kept in memory; a replica
 * that started later may count fewer and simply resolves later, after the first one already did.
 */
final class WindowedEvaluator implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(WindowedEvaluator.class);
  private static final List<Integer> TRANSITIONS =
      List.of(
          AlertEventKind.FIRING_VALUE,
          AlertEventKind.RESOLVED_VALUE,
          AlertEventKind.STILL_FIRING_VALUE);

  private final Rules rules;
  private final WindowStore windows;
  private final DriftMeasure drift;
  private final AlertEventStore store;
  private final EventHub hub;
  private final String origin;
  private final Duration interval;
  private final Clock clock;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("tapline-alert-windows").daemon().factory());
  private final Map<String, Integer> cleanEvaluations = new ConcurrentHashMap<>();

  WindowedEvaluator(
      Rules rules,
      WindowStore windows,
      DriftMeasure drift,
      AlertEventStore store,
      EventHub hub,
      String origin,
      Duration interval,
      Clock clock) {
    this.rules = rules;
    this.windows = windows;
    this.drift = drift;
    this.store = store;
    this.hub = hub;
    this.origin = origin;
    this.interval = interval;
    this.clock = clock;
  }

  void start() {
    scheduleNext();
  }

  private void scheduleNext() {
    long step = interval.toMillis();
    long now = clock.millis();
    long slot = (now / step + 1) * step;
    try {
      scheduler.schedule(
          () -> {
            try {
              evaluate(slot);
            } catch (RuntimeException e) {
              logger.warn("Evaluating windowed alert rules failed: {}", e.getMessage());
            } finally {
              scheduleNext();
            }
          },
          slot - now,
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Shutting down.
    }
  }

  /** One probe set for one rule, within a query group. */
  private record Planned(Rule rule, int first, int count) {}

  /** Evaluates every windowed rule for the slot ending at {@code slotMillis}. */
  void evaluate(long slotMillis) {
    List<Rule> windowed = rules.snapshot().windowed();
    if (windowed.isEmpty()) {
      cleanEvaluations.clear();
      return;
    }
    Map<String, AlertEventRecord> states =
        store.latestOfKinds(windowed.stream().map(Rule::id).toList(), TRANSITIONS);
    record Group(String service, long windowMillis) {}
    Map<Group, List<Rule>> groups = new LinkedHashMap<>();
    List<AlertEventRecord> transitions = new ArrayList<>();
    for (Rule rule : windowed) {
      if (rule.condition() instanceof Rule.Drift d) {
        Double score;
        try {
          score = drift.score(rule, d, slotMillis);
        } catch (RuntimeException e) {
          logger.warn("Drift of alert rule {} failed: {}", rule.id(), e.getMessage());
          continue;
        }
        // Fires above the threshold; resolves at or below the resolve threshold (not above it).
        Verdict verdict =
            score == null
                ? null
                : new Verdict(
                    score > d.threshold(),
                    score <= d.resolveThreshold(),
                    score,
                    d.threshold(),
                    List.of());
        AlertEventRecord event = decide(rule, verdict, states.get(rule.id()), slotMillis);
        if (event != null) {
          transitions.add(event);
        }
        continue;
      }
      groups
          .computeIfAbsent(
              new Group(rule.service(), rule.window().toMillis()), g -> new ArrayList<>())
          .add(rule);
    }
    for (Map.Entry<Group, List<Rule>> entry : groups.entrySet()) {
      Group group = entry.getKey();
      List<WindowProbe> probes = new ArrayList<>();
      List<Planned> planned = new ArrayList<>();
      for (Rule rule : entry.getValue()) {
        List<WindowProbe> own = probes(rule, slotMillis);
        planned.add(new Planned(rule, probes.size(), own.size()));
        probes.addAll(own);
      }
      List<WindowProbe.Result> results;
      try {
        results =
            windows.measure(group.service(), slotMillis - group.windowMillis(), slotMillis, probes);
      } catch (RuntimeException e) {
        logger.warn(
            "Windowed alert query for service {} failed: {}", group.service(), e.getMessage());
        continue;
      }
      for (Planned p : planned) {
        AlertEventRecord event =
            decide(
                p.rule(),
                verdict(p.rule(), results.subList(p.first(), p.first() + p.count())),
                states.get(p.rule().id()),
                slotMillis);
        if (event != null) {
          transitions.add(event);
        }
      }
    }
    cleanEvaluations.keySet().retainAll(windowed.stream().map(Rule::id).toList());
    for (AlertEventRecord event : transitions) {
      try {
        store.append(event.key(), List.of(event));
      } catch (RuntimeException e) {
        // Not stored: the rule's state is unchanged, so the next evaluation decides again.
        logger.warn("Storing alert transition {} failed: {}", event.key(), e.getMessage());
      }
    }
    if (!transitions.isEmpty()) {
      hub.poke();
    }
  }

  private static List<WindowProbe> probes(Rule rule, long slot) {
    return switch (rule.condition()) {
      case Rule.Windowed w -> {
        long from = slot - w.window().toMillis();
        WindowProbe.Measure measure =
            switch (w.aggregate()) {
              case ERROR_RATE -> WindowProbe.Measure.ERROR_COUNT;
              case LATENCY_P95 -> WindowProbe.Measure.LATENCY_P95;
              case LATENCY_P99 -> WindowProbe.Measure.LATENCY_P99;
              case STATUS_CLASS_COUNT -> WindowProbe.Measure.STATUS_CLASS_COUNT;
              default -> WindowProbe.Measure.COUNT;
            };
        yield List.of(
            probe(rule, measure, from, w.statusClass(), Math.round(w.threshold() * 1000)));
      }
      case Rule.Absence a ->
          List.of(probe(rule, WindowProbe.Measure.COUNT, slot - a.window().toMillis(), 0, 0));
      case Rule.BurnRate b ->
          List.of(
              probe(
                  rule,
                  WindowProbe.Measure.BAD_COUNT,
                  slot - b.longWindow().toMillis(),
                  0,
                  b.latencyObjectiveMicros()),
              probe(
                  rule,
                  WindowProbe.Measure.BAD_COUNT,
                  slot - b.shortWindow().toMillis(),
                  0,
                  b.latencyObjectiveMicros()));
      case Rule.PerCall p -> throw new IllegalArgumentException("per-call rule " + rule.id());
      case Rule.Drift d -> throw new IllegalArgumentException("drift rule " + rule.id());
    };
  }

  private static WindowProbe probe(
      Rule rule, WindowProbe.Measure measure, long from, int statusClass, long latencyMicros) {
    return new WindowProbe(
        rule.route(), rule.customerId(), rule.plan(), measure, from, statusClass, latencyMicros);
  }

  /** What one evaluation says: breach (fire), clean (may resolve), or neither / no data. */
  private record Verdict(
      boolean breach, boolean clean, double value, double threshold, List<String> samples) {}

  private static Verdict verdict(Rule rule, List<WindowProbe.Result> results) {
    return switch (rule.condition()) {
      case Rule.Windowed w -> {
        WindowProbe.Result r = results.getFirst();
        if (r.samples() < Math.max(1, w.minSamples()) && w.aggregate() != Aggregate.REQUEST_COUNT) {
          yield null;
        }
        if (r.samples() < w.minSamples()) {
          yield null;
        }
        double value =
            switch (w.aggregate()) {
              case ERROR_RATE -> r.value() / r.samples();
              case LATENCY_P95, LATENCY_P99 -> r.value() / 1000.0;
              default -> r.value();
            };
        if (Double.isNaN(value)) {
          yield null;
        }
        boolean breach = w.above() ? value > w.threshold() : value < w.threshold();
        boolean clean = w.above() ? value <= w.resolveThreshold() : value >= w.resolveThreshold();
        yield new Verdict(breach, clean && !breach, value, w.threshold(), r.sampleCallIds());
      }
      case Rule.Absence a -> {
        WindowProbe.Result r = results.getFirst();
        yield new Verdict(r.samples() == 0, r.samples() > 0, r.samples(), 0, List.of());
      }
      case Rule.BurnRate b -> {
        WindowProbe.Result longWindow = results.get(0);
        WindowProbe.Result shortWindow = results.get(1);
        if (longWindow.samples() < Math.max(1, b.minSamples()) || shortWindow.samples() == 0) {
          yield null;
        }
        double budget = 1 - b.target();
        double longBurn = longWindow.value() / longWindow.samples() / budget;
        double shortBurn = shortWindow.value() / shortWindow.samples() / budget;
        boolean breach = longBurn >= b.burnRate() && shortBurn >= b.burnRate();
        yield new Verdict(breach, !breach, longBurn, b.burnRate(), shortWindow.sampleCallIds());
      }
      case Rule.PerCall p -> null;
      case Rule.Drift d -> throw new IllegalArgumentException("drift rule " + rule.id());
    };
  }

  private AlertEventRecord decide(Rule rule, Verdict verdict, AlertEventRecord state, long slot) {
    boolean firing =
        state != null
            && (state.kind() == AlertEventKind.FIRING_VALUE
                || state.kind() == AlertEventKind.STILL_FIRING_VALUE);
    if (verdict == null) {
      return null;
    }
    if (!firing) {
      cleanEvaluations.remove(rule.id());
      return verdict.breach() ? event(rule, AlertEventKind.FIRING, verdict, slot) : null;
    }
    if (verdict.clean()) {
      int clean = cleanEvaluations.merge(rule.id(), 1, Integer::sum);
      if (clean >= rule.resolveAfter()) {
        cleanEvaluations.remove(rule.id());
        return event(rule, AlertEventKind.RESOLVED, verdict, slot);
      }
      return null;
    }
    cleanEvaluations.remove(rule.id());
    if (!rule.renotify().isZero()
        && slot - state.eventTime().toEpochMilli() >= rule.renotify().toMillis()) {
      return event(rule, AlertEventKind.STILL_FIRING, verdict, slot);
    }
    return null;
  }

  private AlertEventRecord event(Rule rule, AlertEventKind kind, Verdict verdict, long slot) {
    long window = rule.window().toMillis();
    return new AlertEventRecord(
        0,
        rule.id() + ":" + kind.name() + ":" + slot,
        rule.id(),
        rule.proto().getName(),
        rule.service(),
        rule.severity(),
        kind.getNumber(),
        verdict.value(),
        verdict.threshold(),
        window,
        Instant.ofEpochMilli(slot - window),
        Instant.ofEpochMilli(slot),
        Instant.ofEpochMilli(slot),
        verdict.samples(),
        1,
        rule.proto().getDescription(),
        origin);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
