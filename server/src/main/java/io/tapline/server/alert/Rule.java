package io.tapline.server.alert;

import io.tapline.proto.v1.AlertRule;
import java.time.Duration;
import java.util.List;

/**
 * A validated alert rule, ready to evaluate. Built from its protobuf form by {@link RuleParser};
 * {@code proto} is kept to answer reads and to build events.
 */
record Rule(
    AlertRule proto,
    String id,
    String service,
    String route,
    String customerId,
    String plan,
    int severity,
    boolean enabled,
    Condition condition,
    Duration renotify,
    Duration cooldown) {

  /** What makes a rule fire. */
  sealed interface Condition permits PerCall, Windowed, Absence, BurnRate, Drift {}

  /** Every clause holds for one call. */
  record PerCall(List<CallClauses.Clause> clauses) implements Condition {}

  /** The aggregate of the calls in the window compared with a threshold. */
  record Windowed(
      io.tapline.proto.v1.Aggregate aggregate,
      int statusClass,
      boolean above,
      double threshold,
      double resolveThreshold,
      Duration window,
      long minSamples,
      int resolveAfter)
      implements Condition {}

  /** No calls in the window. */
  record Absence(Duration window) implements Condition {}

  /** Error-budget burn over a long and a short window. */
  record BurnRate(
      double target,
      long latencyObjectiveMicros,
      Duration period,
      Duration longWindow,
      Duration shortWindow,
      double burnRate,
      long minSamples)
      implements Condition {}

  /**
   * A feature's drift score against a reference window (or a baseline) above a threshold.
   *
   * @param referenceWindow the reference window's length; zero with a baseline
   * @param referenceOffset how long before the current window the reference ends
   * @param baseline a saved baseline's name, or empty
   */
  record Drift(
      String feature,
      io.tapline.proto.v1.DriftMetric metric,
      double threshold,
      double resolveThreshold,
      Duration window,
      Duration referenceWindow,
      Duration referenceOffset,
      String baseline,
      long minSamples,
      int bins,
      int categories)
      implements Condition {}

  boolean perCall() {
    return condition instanceof PerCall;
  }

  /** How far back the rule's windowed query reads; zero for per-call rules. */
  Duration window() {
    return switch (condition) {
      case PerCall p -> Duration.ZERO;
      case Windowed w -> w.window();
      case Absence a -> a.window();
      case BurnRate b -> b.longWindow();
      case Drift d -> d.window();
    };
  }

  /** Windowed rules: evaluations in a row past the resolve threshold before resolving. */
  int resolveAfter() {
    return condition instanceof Windowed w ? w.resolveAfter() : 1;
  }
}
