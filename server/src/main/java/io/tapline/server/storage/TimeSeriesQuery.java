package io.tapline.server.storage;

import java.util.List;

/**
 * Metrics per time bucket. The criteria's time range must be set and aligned to the bucket width;
 * buckets are aligned to the epoch (so to UTC midnight for whole days).
 *
 * @param splitBy one series per value of this dimension (top {@code seriesLimit} by count, then
 *     "other"), or null for one series
 */
public record TimeSeriesQuery(
    CallCriteria criteria,
    long bucketMicros,
    Dimension splitBy,
    String tagKey,
    String field,
    int seriesLimit,
    List<Double> levels) {

  public TimeSeriesQuery {
    levels = List.copyOf(levels);
  }
}
