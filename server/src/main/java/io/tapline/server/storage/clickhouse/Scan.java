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
 * Where an aggregate query reads its calls: {@code api_calls}, or a rollup for the whole periods
 * of the range plus {@code api_calls} for the partial periods at its edges. Chosen per query: a rollup when it holds every column the filter, the grouping and the
 * time buckets need, and the range spans at least one whole period.
 *
 * <ul>
 *   <li>{@link #counts} may read {@code api_calls_counts_1h}: counts, sums, min and max per hour,
 *       service, route, method, status, plan and error flag, no latency distribution.
 *   <li>{@link #latencies} may read {@code api_calls_latency_5m}: the same per five minutes,
 *       service and latency bucket, so quantiles too, but no other dimension.
 * </ul>
 *
 * <p>Every scan yields rows with {@code timestamp} and {@code service}, the columns {@code
 * s_count, s_errors, s_recorded, s_latency, s_min, s_max} that {@link Aggregates} sums, and for
 * {@link #latencies} scans {@code latency_bucket} and {@code s_qweight}. A raw scan also yields
 * every column of {@code api_calls}; a counts rollup scan yields {@code route, method,
 * status_code, plan}. Rollups and raw rows give the same answers: each rollup row holds the exact
 * sums of the rows behind it, over the same latency buckets.
 */
final class Scan {

  /** Dimensions {@code api_calls_counts_1h} keeps. */
  static final Set<Dimension> COUNTS_DIMENSIONS =
      EnumSet.of(
          Dimension.SERVICE, Dimension.ROUTE, Dimension.METHOD, Dimension.STATUS_CODE,
          Dimension.STATUS_CLASS, Dimension.PLAN);

  /** Dimensions {@code api_calls_latency_5m} keeps. */
  static final Set<Dimension> LATENCY_DIMENSIONS = EnumSet.of(Dimension.SERVICE);

  private static final String SUMS =
      "toFloat64(w_count) AS s_count, toFloat64(w_errors) AS s_errors,"
          + " toUInt64(recorded) AS s_recorded, toFloat64(w_latency) AS s_latency,"
          + " toUInt32(min_us) AS s_min, toUInt32(max_us) AS s_max";

  private static final String RAW_SUMS =
      "weight AS s_count, if(is_error, weight, 0) AS s_errors, toUInt64(1) AS s_recorded,"
          + " latency_us * weight AS s_latency, latency_us AS s_min, latency_us AS s_max";

  private static final String LATENCY = "latency_bucket, toUInt64(quantile_weight) AS s_qweight";

  private enum Rollup {
    COUNTS(
        "api_calls_counts_1h", 3_600_000_000L,
        "timestamp, service, route, method, status_code, plan", SUMS),
    LATENCY(
        "api_calls_latency_5m", 300_000_000L, "timestamp, service", SUMS + ", " + Scan.LATENCY);

    final String table;
    /** The period in microseconds. */
    final long period;
    final String keys;
    final String columns;

    Rollup(String table, long period, String keys, String columns) {
      this.table = table;
      this.period = period;
      this.keys = keys;
      this.columns = columns;
    }

    String rawColumns() {
      return RAW_SUMS + (this == LATENCY ? ", " + Scan.LATENCY : "");
    }
  }

  /** The text after FROM: a subquery. */
  final String from;
  /** The values for the placeholders in {@link #from}, in order. */
  final List<Object> parameters;
  /** The rollup read for whole periods, or null for {@code api_calls} alone. */
  private final String rollup;

  private Scan(String from, List<Object> parameters, String rollup) {
    this.from = from;
    this.parameters = List.copyOf(parameters);
    this.rollup = rollup;
  }

  /**
   * Rows for counts and sums of the calls matching {@code criteria}, from the counts rollup when
   * it can answer.
   *
   * @param dimensions the dimensions the query groups by
   * @param bucketMicros the width of its time buckets, or 0 for none
   * @param rollups false to read only {@code api_calls}
   */
  static Scan counts(
      CallCriteria criteria, Collection<Dimension> dimensions, long bucketMicros, boolean rollups) {
    boolean can =
        rollups && keepsFilter(criteria) && COUNTS_DIMENSIONS.containsAll(dimensions)
            && bucketMicros % Rollup.COUNTS.period == 0;
    return can ? rollup(Rollup.COUNTS, criteria) : raw(criteria, false);
  }

  /**
   * Rows for counts, sums and latency quantiles of the calls matching {@code criteria}, from
   * the latency rollup when it can answer (a filter on service and time alone).
   */
  static Scan latencies(
      CallCriteria criteria, Collection<Dimension> dimensions, long bucketMicros, boolean rollups) {
    boolean can =
        rollups && criteria.withTimeRange(null, null).equals(CallCriteria.ofService(criteria.service()))
            && LATENCY_DIMENSIONS.containsAll(dimensions)
            && bucketMicros % Rollup.LATENCY.period == 0;
    return can ? rollup(Rollup.LATENCY, criteria) : raw(criteria, true);
  }

  private static Scan raw(CallCriteria criteria, boolean latencies) {
    Where where = Where.of(criteria);
    String columns = latencies ? Rollup.LATENCY.rawColumns() : Rollup.COUNTS.rawColumns();
    return new Scan(
        "(SELECT *, " + columns + " FROM api_calls WHERE " + where.sql + ")", where.parameters,
        null);
  }

  private static Scan rollup(Rollup rollup, CallCriteria criteria) {
    Instant start = criteria.startTime();
    Instant end = criteria.endTime();
    Instant middleStart = start == null ? null : ceil(start, rollup.period);
    Instant middleEnd = end == null ? null : floor(end, rollup.period);
    if (middleStart != null && middleEnd != null && !middleStart.isBefore(middleEnd)) {
      return raw(criteria, rollup == Rollup.LATENCY);
    }
    List<Object> parameters = new ArrayList<>();
    Where middle = Where.of(criteria.withTimeRange(middleStart, middleEnd));
    StringBuilder sql =
        new StringBuilder("(SELECT ").append(rollup.keys).append(", ").append(rollup.columns)
            .append(" FROM ").append(rollup.table).append(" WHERE ").append(middle.sql);
    parameters.addAll(middle.parameters);
    if (start != null && start.isBefore(middleStart)) {
      edge(rollup, sql, parameters, criteria.withTimeRange(start, middleStart));
    }
    if (end != null && middleEnd.isBefore(end)) {
      edge(rollup, sql, parameters, criteria.withTimeRange(middleEnd, end));
    }
    return new Scan(sql.append(")").toString(), parameters, rollup.table);
  }

  private static void edge(
      Rollup rollup, StringBuilder sql, List<Object> parameters, CallCriteria criteria) {
    Where where = Where.of(criteria);
    sql.append(" UNION ALL SELECT ").append(rollup.keys).append(", ").append(rollup.rawColumns())
        .append(" FROM api_calls WHERE ").append(where.sql);
    parameters.addAll(where.parameters);
  }

  /** Whether every filter of {@code c} is on a column the counts rollup keeps. */
  private static boolean keepsFilter(CallCriteria c) {
    return c.pathPrefix().isEmpty()
        && c.pathContains().isEmpty()
        && c.minLatencyMicros() == null
        && c.maxLatencyMicros() == null
        && c.tags().isEmpty()
        && c.customerId().isEmpty()
        && c.sourceIp().isEmpty()
        && c.apiKeyId().isEmpty()
        && c.text().isEmpty();
  }

  /** Whether this scan reads a rollup. */
  boolean rollup() {
    return rollup != null;
  }

  private static Instant floor(Instant t, long period) {
    return Micros.toInstant(Math.floorDiv(Micros.of(t), period) * period);
  }

  private static Instant ceil(Instant t, long period) {
    return Micros.toInstant(Math.ceilDiv(Micros.of(t), period) * period);
  }

  @Override
  public String toString() {
    return rollup == null ? "raw api_calls" : "rollup " + rollup + " + raw edges";
  }
}
