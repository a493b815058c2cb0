package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallMetrics;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The aggregates every analytics query computes over the rows of a {@link Scan}, as SQL select-list
 * fragments, and how to read them back.
 *
 * <p>Weights: a call recorded with sample rate r counts 1 / r times.
 *
 * <p>Quantiles: the weighted nearest-rank quantile (ClickHouse's {@code quantilesExactWeighted}, or
 * {@link Histogram} for the same rule in Java) of latencies bucketed on a log scale, {@value
 * #BUCKETS_PER_E} buckets per factor e, stored per call as {@code api_calls.latency_bucket}. The
 * result is within half a bucket of the true quantile: a relative error of at most e^(1/{@value
 * #HALF_BUCKETS_PER_E}) - 1 (0.5 %) on 1 + latency in microseconds, plus rounding to whole
 * microseconds. Quantile weights are 1000 / r rounded, because the function takes whole-number
 * weights. The sampling {@code quantiles} is too far off at p99; finer buckets (2000 per e) made
 * grouped quantiles slower and the rollups hardly smaller than the calls themselves (figures in
 * bench/README.md, "Figures behind the code").
 */
final class Aggregates {

  static final int BUCKETS_PER_E = 100;
  static final int HALF_BUCKETS_PER_E = 2 * BUCKETS_PER_E;

  private Aggregates() {}

  /** Count, errors, recorded, latency sum, min and max over the rows of a scan. */
  static String sums() {
    return "sum(s_count) AS w_count, sum(s_errors) AS w_errors, sum(s_recorded) AS recorded,"
        + " sum(s_latency) AS w_latency, min(s_min) AS min_us, max(s_max) AS max_us";
  }

  /** The quantile buckets at {@code levels} over the rows of a latency scan. */
  private static String quantiles(List<Double> levels) {
    return "quantilesExactWeighted(" + levels(levels) + ")(latency_bucket, s_qweight)";
  }

  /** {@link #sums} and {@link #quantiles}: the seven columns {@link #read} reads. */
  static String select(List<Double> levels) {
    return sums() + ", " + quantiles(levels);
  }

  /** Like {@link #select}, with the quantiles as a mergeable state named {@code q_state}. */
  static String selectState(List<Double> levels) {
    return sums()
        + ", quantilesExactWeightedState("
        + levels(levels)
        + ")(latency_bucket, s_qweight) AS q_state";
  }

  /** Merges rows of {@link #selectState} (columns named as there) into final aggregates. */
  static String merge(List<Double> levels) {
    return "sum(w_count), sum(w_errors), sum(recorded), sum(w_latency), min(min_us), max(max_us),"
        + " quantilesExactWeightedMerge("
        + levels(levels)
        + ")(q_state)";
  }

  /**
   * Quantile levels as aggregate-function parameters, which ClickHouse takes only as literals. They
   * are doubles checked to lie in [0, 1], printed by Java, never text from a request.
   */
  static String levels(List<Double> levels) {
    for (double level : levels) {
      if (!(level >= 0 && level <= 1)) {
        throw new IllegalArgumentException("quantile level out of [0, 1]: " + level);
      }
    }
    return levels.stream()
        .map(l -> java.math.BigDecimal.valueOf(l).toPlainString())
        .collect(Collectors.joining(", "));
  }

  /** Reads the seven columns of {@link #select} starting at {@code first}. */
  static CallMetrics read(ResultSet rs, int first, int levels) throws SQLException {
    double count = rs.getDouble(first);
    long recorded = rs.getLong(first + 2);
    if (recorded == 0) {
      return CallMetrics.empty(levels);
    }
    List<Double> quantiles = new ArrayList<>(levels);
    for (long bucket : longs(rs.getArray(first + 6))) {
      quantiles.add(latencyOfBucket(bucket));
    }
    return new CallMetrics(
        count,
        rs.getDouble(first + 1),
        recorded,
        rs.getDouble(first + 3) / count,
        rs.getLong(first + 4),
        rs.getLong(first + 5),
        quantiles);
  }

  /** The latency a bucket stands for, in whole microseconds. */
  static double latencyOfBucket(long bucket) {
    return Math.rint(Math.expm1(bucket / (double) BUCKETS_PER_E));
  }

  static long[] longs(Array array) throws SQLException {
    Object value = array.getArray();
    int length = java.lang.reflect.Array.getLength(value);
    long[] result = new long[length];
    for (int i = 0; i < length; i++) {
      result[i] = ((Number) java.lang.reflect.Array.get(value, i)).longValue();
    }
    return result;
  }
}
