package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.Dimension;
import io.tapline.server.storage.Micros;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Where an aggregate query reads its calls: {@code api_calls}, or the five-minute rollup {@code
 * api_calls_5m} for the whole periods of the range plus {@code api_calls} for the partial
 * periods at its edges. Chosen per query: the rollup when it holds every column the filter,
 * the grouping and the time buckets need, and the range spans at least one whole period.
 *
 * <p>Both answer the same: the rollup keeps counts, sums, min, max and the latency histogram
 * over the very buckets the raw quantiles use, and {@code quantilesExactWeighted} of a
 * histogram equals that of the rows behind it.
 *
 * <p>A rollup scan yields rows with the key columns of {@code api_calls} ({@code timestamp,
 * service, route, method, status_code, plan}), so the same key expressions apply, and the
 * columns {@link Aggregates} reads in rollup form ({@code s_count}, ..., {@code s_weights}).
 */
final class Scan {

  /** The rollup's period: {@value} microseconds. */
  static final long PERIOD_MICROS = 300_000_000L;

  /** Dimensions the rollup keeps. */
  static final Set<Dimension> ROLLUP_DIMENSIONS =
      EnumSet.of(
          Dimension.SERVICE, Dimension.ROUTE, Dimension.METHOD, Dimension.STATUS_CODE,
          Dimension.STATUS_CLASS, Dimension.PLAN);

  private static final String KEYS = "timestamp, service, route, method, status_code, plan";

  private static final String ROLLUP_ROWS =
      "toFloat64(w_count) AS s_count, toFloat64(w_errors) AS s_errors,"
          + " toUInt64(recorded) AS s_recorded, toFloat64(w_latency) AS s_latency,"
          + " toUInt32(min_us) AS s_min, toUInt32(max_us) AS s_max,"
          + " CAST(latency_histogram.1, 'Array(UInt16)') AS s_buckets,"
          + " CAST(latency_histogram.2, 'Array(UInt64)') AS s_weights";

  private static final String RAW_ROWS =
      "toFloat64(" + Aggregates.WEIGHT + ") AS s_count,"
          + " toFloat64(if(" + Where.IS_ERROR + ", " + Aggregates.WEIGHT + ", 0)) AS s_errors,"
          + " toUInt64(1) AS s_recorded, toFloat64(latency_us * " + Aggregates.WEIGHT + ") AS s_latency,"
          + " toUInt32(latency_us) AS s_min, toUInt32(latency_us) AS s_max,"
          + " [" + Aggregates.BUCKET + "] AS s_buckets,"
          + " [toUInt64(" + Aggregates.QUANTILE_WEIGHT + ")] AS s_weights";

  /** The text after FROM: a table with its WHERE clause, or a subquery. */
  final String from;
  /** The values for the placeholders in {@link #from}, in order. */
  final List<Object> parameters;
  /** Whether {@link #from} reads the rollup (and so yields rollup-form columns). */
  final boolean rollup;

  private Scan(String from, List<Object> parameters, boolean rollup) {
    this.from = from;
    this.parameters = List.copyOf(parameters);
    this.rollup = rollup;
  }

  /** {@code api_calls} filtered by {@code criteria}. */
  static Scan raw(CallCriteria criteria) {
    Where where = Where.of(criteria);
    return new Scan("api_calls WHERE " + where.sql, where.parameters, false);
  }

  /**
   * The rollup for {@code criteria} when it can answer, else {@link #raw}.
   *
   * @param dimensions the dimensions the query groups by
   * @param bucketMicros the width of its time buckets, or 0 for none
   */
  static Scan choose(
      CallCriteria criteria, Collection<Dimension> dimensions, long bucketMicros, boolean rollups) {
    if (!rollups || !rollupCanAnswer(criteria, dimensions, bucketMicros)) {
      return raw(criteria);
    }
    Instant start = criteria.startTime();
    Instant end = criteria.endTime();
    Instant middleStart = start == null ? null : ceil(start);
    Instant middleEnd = end == null ? null : floor(end);
    if (middleStart != null && middleEnd != null && !middleStart.isBefore(middleEnd)) {
      return raw(criteria);
    }
    List<Object> parameters = new ArrayList<>();
    Where middle = Where.of(criteria.withTimeRange(middleStart, middleEnd), "is_error = 1");
    StringBuilder sql =
        new StringBuilder("(SELECT ").append(KEYS).append(", ").append(ROLLUP_ROWS)
            .append(" FROM api_calls_5m WHERE ").append(middle.sql);
    parameters.addAll(middle.parameters);
    if (start != null && start.isBefore(middleStart)) {
      edge(sql, parameters, criteria.withTimeRange(start, middleStart));
    }
    if (end != null && middleEnd.isBefore(end)) {
      edge(sql, parameters, criteria.withTimeRange(middleEnd, end));
    }
    return new Scan(sql.append(")").toString(), parameters, true);
  }

  private static void edge(StringBuilder sql, List<Object> parameters, CallCriteria criteria) {
    Where where = Where.of(criteria);
    sql.append(" UNION ALL SELECT ").append(KEYS).append(", ").append(RAW_ROWS)
        .append(" FROM api_calls WHERE ").append(where.sql);
    parameters.addAll(where.parameters);
  }

  /** Whether every filter, dimension and bucket of the query is kept by the rollup. */
  static boolean rollupCanAnswer(
      CallCriteria c, Collection<Dimension> dimensions, long bucketMicros) {
    return c.pathPrefix().isEmpty()
        && c.pathContains().isEmpty()
        && c.minLatencyMicros() == null
        && c.maxLatencyMicros() == null
        && c.tags().isEmpty()
        && c.customerId().isEmpty()
        && c.sourceIp().isEmpty()
        && c.apiKeyId().isEmpty()
        && c.text().isEmpty()
        && ROLLUP_DIMENSIONS.containsAll(dimensions)
        && bucketMicros % PERIOD_MICROS == 0;
  }

  /** The weight of one row of this scan, to sum for weighted counts. */
  String weight() {
    return rollup ? "s_count" : Aggregates.WEIGHT;
  }

  /** The weight of one row of this scan counted as errors. */
  String errorWeight() {
    return rollup ? "s_errors" : "if(" + Where.IS_ERROR + ", " + Aggregates.WEIGHT + ", 0)";
  }

  private static Instant floor(Instant t) {
    long micros = Micros.of(t);
    return Micros.toInstant(Math.floorDiv(micros, PERIOD_MICROS) * PERIOD_MICROS);
  }

  private static Instant ceil(Instant t) {
    long micros = Micros.of(t);
    return Micros.toInstant(Math.ceilDiv(micros, PERIOD_MICROS) * PERIOD_MICROS);
  }

  @Override
  public String toString() {
    return rollup ? "rollup api_calls_5m + raw edges" : "raw api_calls";
  }
}
