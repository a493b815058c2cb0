package io.tapline.server.storage;

import java.util.List;

/**
 * Aggregates of a set of calls. Counts are weighted by 1 / sample_rate (so not whole numbers);
 * latencies are in microseconds.
 *
 * @param recorded rows behind the figures, before weighting
 * @param quantileMicros one value per level the query asked for, in its order
 */
public record CallMetrics(
    double count,
    double errors,
    long recorded,
    double avgLatencyMicros,
    long minLatencyMicros,
    long maxLatencyMicros,
    List<Double> quantileMicros) {

  public CallMetrics {
    quantileMicros = List.copyOf(quantileMicros);
  }

  /** No calls at all, with {@code levels} zero quantiles. */
  public static CallMetrics empty(int levels) {
    return new CallMetrics(0, 0, 0, 0, 0, 0, java.util.Collections.nCopies(levels, 0.0));
  }

  public double errorRate() {
    return count == 0 ? 0 : errors / count;
  }
}
