package io.tapline.server.storage;

/**
 * One aggregate a windowed alert rule needs: over the calls of a service in {@code [from, end)}
 * (within the query's window) that match the optional route, customer and plan, the number of calls
 * and the {@link Measure}. A set of probes of one service and window is answered by one query.
 *
 * @param fromMillis start of this probe's window (epoch millis), at or after the query's start
 * @param statusClass for {@link Measure#STATUS_CLASS_COUNT}: 1 to 5
 * @param latencyMicros for {@link Measure#BAD_COUNT}: calls slower than this are bad (0: none); for
 *     the latency measures: sample calls are those slower than this
 */
public record WindowProbe(
    String route,
    String customerId,
    String plan,
    Measure measure,
    long fromMillis,
    int statusClass,
    long latencyMicros) {

  /** What a probe measures. */
  public enum Measure {
    /** Calls. */
    COUNT,
    /** Calls with status >= 500 or an error. */
    ERROR_COUNT,
    /** 95th percentile latency, in microseconds. */
    LATENCY_P95,
    /** 99th percentile latency, in microseconds. */
    LATENCY_P99,
    /** Calls whose status is in the status class. */
    STATUS_CLASS_COUNT,
    /** Calls with status >= 500, an error, or (latencyMicros > 0) slower than latencyMicros. */
    BAD_COUNT
  }

  /** The answer: calls in scope, the measured value (NaN without calls), a few sample call ids. */
  public record Result(long samples, double value, java.util.List<String> sampleCallIds) {}
}
