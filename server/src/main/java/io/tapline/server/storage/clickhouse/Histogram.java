package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallMetrics;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The metrics of one group of calls, added up from rows that each hold the sums of some of its
 * calls, and the quantile weights of its latency buckets. Quantiles follow the rule of ClickHouse's
 * {@code quantilesExactWeighted}: the smallest bucket whose cumulative weight reaches {@code
 * ceil(level * total weight)}, so a group aggregated here and one aggregated by ClickHouse get the
 * same answer.
 */
final class Histogram {

  private final TreeMap<Integer, Long> weights = new TreeMap<>();
  private double count;
  private double errors;
  private long recorded;
  private double latency;
  private long min = Long.MAX_VALUE;
  private long max = Long.MIN_VALUE;

  /** Adds the quantile weight of some calls in {@code bucket}. */
  void addWeight(int bucket, long quantileWeight) {
    weights.merge(bucket, quantileWeight, Long::sum);
  }

  /**
   * Takes away the quantile weights of {@code part}, a group of calls among this one's (this one's
   * sums are left as they are).
   */
  void subtractWeights(Histogram part) {
    part.weights.forEach(
        (bucket, weight) -> {
          if (weights.merge(bucket, -weight, Long::sum) == 0) {
            weights.remove(bucket);
          }
        });
  }

  /** Adds the sums of the current row of {@code rs}, selected by {@link Aggregates#sums}. */
  void addSums(ResultSet rs) throws SQLException {
    addSums(
        rs.getDouble("w_count"),
        rs.getDouble("w_errors"),
        rs.getLong("recorded"),
        rs.getDouble("w_latency"),
        rs.getLong("min_us"),
        rs.getLong("max_us"));
  }

  void addSums(double count, double errors, long recorded, double latency, long min, long max) {
    this.count += count;
    this.errors += errors;
    this.recorded += recorded;
    this.latency += latency;
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);
  }

  CallMetrics metrics(List<Double> levels) {
    if (recorded == 0) {
      return CallMetrics.empty(levels.size());
    }
    long total = 0;
    for (long w : weights.values()) {
      total += w;
    }
    List<Double> quantiles = new ArrayList<>(levels.size());
    for (double level : levels) {
      quantiles.add(Aggregates.latencyOfBucket(quantileBucket(level, total)));
    }
    return new CallMetrics(count, errors, recorded, latency / count, min, max, quantiles);
  }

  /** The bucket at {@code level}; with no weights (sums read apart, no call since), bucket 0. */
  private int quantileBucket(double level, long total) {
    if (weights.isEmpty()) {
      return 0;
    }
    double threshold = Math.ceil(level * total);
    long cumulative = 0;
    for (Map.Entry<Integer, Long> entry : weights.entrySet()) {
      cumulative += entry.getValue();
      if (cumulative >= threshold) {
        return entry.getKey();
      }
    }
    return weights.lastKey();
  }
}
