package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.Dimension;
import io.tapline.server.storage.Micros;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Where an aggregate query reads its calls: {@code api_calls}, or a rollup for the whole periods of
 * the range, with the partial periods at its edges read from a finer rollup (for the whole periods
 * among them) or from {@code api_calls}. Chosen per query: the first rollup, coarsest first, that
 * holds every column the filter, the grouping and the time buckets need, and whose period the range
 * spans at least once.
 *
 * <ul>
 *   <li>{@link #counts} may read {@code api_calls_counts_1d} and {@code _1h}: counts, sums, min and
 *       max per day (hour), service, route, method, status, plan and error flag, no latency
 *       distribution; or {@code api_calls_customers_1d} and {@code _1h}: the same per day (hour),
 *       service, customer, plan and error flag.
 *   <li>{@link #latencies} may read {@code api_calls_latency_1d} and {@code _5m}: the same per day
 *       (five minutes), service and latency bucket, so quantiles too, but no other dimension; or
 *       {@code api_calls_routes_1d} or {@code api_calls_customer_latency_1d}: the same per day,
 *       service, route (or customer) and latency bucket, which a breakdown over weeks reads instead
 *       of every call.
 * </ul>
 *
 * <p>Every scan yields rows with {@code timestamp} and {@code service}, the columns {@code s_count,
 * s_errors, s_recorded, s_latency, s_min, s_max} that {@link Aggregates} sums, and for {@link
 * #latencies} scans {@code latency_bucket} and {@code s_qweight}. A raw scan also yields every
 * column of {@code api_calls}; a rollup scan the columns of its dimensions. Rollups and raw rows
 * give the same answers: each rollup row holds the exact sums of the rows behind it, over the same
 * latency buckets.
 */
final class Scan {

  private static final String SUMS =
      "toFloat64(w_count) AS s_count, toFloat64(w_errors) AS s_errors,"
          + " toUInt64(recorded) AS s_recorded, toFloat64(w_latency) AS s_latency,"
          + " toUInt32(min_us) AS s_min, toUInt32(max_us) AS s_max";

  private static final String RAW_SUMS =
      "weight AS s_count, if(is_error, weight, 0) AS s_errors, toUInt64(1) AS s_recorded,"
          + " latency_us * weight AS s_latency, latency_us AS s_min, latency_us AS s_max";

  private static final String QUANTILE_COLUMNS =
      "latency_bucket, toUInt64(quantile_weight) AS s_qweight";

  private static final long HOUR = 3_600_000_000L;

  private static final long DAY = 24 * HOUR;

  private enum Rollup {
    COUNTS(
        "api_calls_counts_1h",
        HOUR,
        null,
        "timestamp, service, route, method, status_code, plan",
        false,
        EnumSet.of(
            Dimension.SERVICE,
            Dimension.ROUTE,
            Dimension.METHOD,
            Dimension.STATUS_CODE,
            Dimension.STATUS_CLASS,
            Dimension.PLAN),
        c -> c.customerId().isEmpty() && onlyKeyColumns(c)),
    CUSTOMERS(
        "api_calls_customers_1h",
        HOUR,
        null,
        "timestamp, service, customer_id, plan",
        false,
        EnumSet.of(Dimension.SERVICE, Dimension.CUSTOMER, Dimension.PLAN),
        c ->
            c.statusCode() == 0
                && c.method().isEmpty()
                && c.route().isEmpty()
                && c.statusClasses().isEmpty()
                && onlyKeyColumns(c)),
    LATENCY(
        "api_calls_latency_5m",
        300_000_000L,
        null,
        "timestamp, service",
        true,
        EnumSet.of(Dimension.SERVICE),
        c -> c.withTimeRange(null, null).equals(CallCriteria.ofService(c.service()))),
    COUNTS_DAILY("api_calls_counts_1d", COUNTS),
    CUSTOMERS_DAILY("api_calls_customers_1d", CUSTOMERS),
    LATENCY_DAILY("api_calls_latency_1d", LATENCY),
    ROUTES_DAILY(
        "api_calls_routes_1d",
        DAY,
        null,
        "timestamp, service, route",
        true,
        EnumSet.of(Dimension.SERVICE, Dimension.ROUTE),
        c -> c.withTimeRange(null, null).equals(CallCriteria.of(c.service(), c.route(), "", ""))),
    CUSTOMER_LATENCY_DAILY(
        "api_calls_customer_latency_1d",
        DAY,
        null,
        "timestamp, service, customer_id",
        true,
        EnumSet.of(Dimension.SERVICE, Dimension.CUSTOMER),
        c ->
            c.withTimeRange(null, null)
                .equals(CallCriteria.of(c.service(), "", c.customerId(), "")));

    final String table;

    /** The period in microseconds. */
    final long period;

    /**
     * The rollup of the same rows over shorter periods, which answers for the whole ones among this
     * rollup's partial periods at the edges of a range; or null (api_calls answers).
     */
    final Rollup finer;

    final String keys;

    /** Whether it keeps quantile weights per latency bucket. */
    final boolean quantiles;

    final Set<Dimension> dimensions;

    /** Whether the rollup keeps every column a filter names. */
    final Predicate<CallCriteria> filters;

    Rollup(
        String table,
        long period,
        Rollup finer,
        String keys,
        boolean quantiles,
        Set<Dimension> dimensions,
        Predicate<CallCriteria> filters) {
      this.table = table;
      this.period = period;
      this.finer = finer;
      this.keys = keys;
      this.quantiles = quantiles;
      this.dimensions = dimensions;
      this.filters = filters;
    }

    /** The rows of {@code finer}, per day. */
    Rollup(String table, Rollup finer) {
      this(table, DAY, finer, finer.keys, finer.quantiles, finer.dimensions, finer.filters);
    }

    boolean canAnswer(CallCriteria criteria, Collection<Dimension> dimensions, long bucketMicros) {
      return filters.test(criteria)
          && this.dimensions.containsAll(dimensions)
          && bucketMicros % period == 0;
    }

    /** Whether the range holds a whole period (an unbounded range does). */
    boolean spansAPeriod(CallCriteria criteria) {
      Instant start = criteria.startTime();
      Instant end = criteria.endTime();
      return start == null || end == null || ceil(start, period).isBefore(floor(end, period));
    }
  }

  /** The scan's columns from a rollup's rows, or from rows of api_calls. */
  private static String columns(boolean raw, boolean quantiles) {
    return (raw ? RAW_SUMS : SUMS) + (quantiles ? ", " + QUANTILE_COLUMNS : "");
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
   * Rows for counts and sums of the calls matching {@code criteria}, from a rollup (counts, or
   * customers; daily, else hourly) when one can answer.
   *
   * @param dimensions the dimensions the query groups by
   * @param bucketMicros the width of its time buckets, or 0 for none
   * @param rollups false to read only {@code api_calls}
   */
  static Scan counts(
      CallCriteria criteria, Collection<Dimension> dimensions, long bucketMicros, boolean rollups) {
    return choose(
        List.of(Rollup.COUNTS_DAILY, Rollup.COUNTS, Rollup.CUSTOMERS_DAILY, Rollup.CUSTOMERS),
        criteria,
        dimensions,
        bucketMicros,
        rollups,
        false,
        Keep.ALL);
  }

  /**
   * Rows for counts, sums and latency quantiles of the calls matching {@code criteria}, from a
   * latency rollup when one can answer: by service (daily, else five minutes) for a filter on
   * service and time alone, else the daily one by route or by customer.
   */
  static Scan latencies(
      CallCriteria criteria, Collection<Dimension> dimensions, long bucketMicros, boolean rollups) {
    return latencies(criteria, dimensions, bucketMicros, rollups, Keep.ALL);
  }

  /**
   * As {@link #latencies(CallCriteria, Collection, long, boolean)}, of the rows {@code keep} keeps
   * only: a condition on columns of the dimensions, read first ({@code PREWHERE}) from api_calls.
   */
  static Scan latencies(
      CallCriteria criteria,
      Collection<Dimension> dimensions,
      long bucketMicros,
      boolean rollups,
      Keep keep) {
    return choose(
        List.of(
            Rollup.LATENCY_DAILY,
            Rollup.LATENCY,
            Rollup.ROUTES_DAILY,
            Rollup.CUSTOMER_LATENCY_DAILY),
        criteria,
        dimensions,
        bucketMicros,
        rollups,
        true,
        keep);
  }

  /**
   * A condition on the columns of a scan's dimensions, and its values to bind. Read first from
   * api_calls: ClickHouse, left to choose, read it with the time column, and the quantiles of a
   * breakdown's top groups took three to four times as long (figures in bench/README.md).
   */
  record Keep(String sql, List<Object> parameters) {
    /** Every row. */
    static final Keep ALL = new Keep("", List.of());

    Keep {
      parameters = List.copyOf(parameters);
    }
  }

  /**
   * From the first of {@code candidates} that can answer and whose period fits in the range at
   * least once, or from api_calls.
   */
  private static Scan choose(
      List<Rollup> candidates,
      CallCriteria criteria,
      Collection<Dimension> dimensions,
      long bucketMicros,
      boolean rollups,
      boolean quantiles,
      Keep keep) {
    for (Rollup rollup : candidates) {
      if (rollups
          && rollup.canAnswer(criteria, dimensions, bucketMicros)
          && rollup.spansAPeriod(criteria)) {
        List<Object> parameters = new ArrayList<>();
        String sql = "(" + rows(rollup, rollup.keys, criteria, keep, parameters) + ")";
        return new Scan(sql, parameters, rollup.table);
      }
    }
    List<Object> parameters = new ArrayList<>();
    String sql = "(SELECT *, " + raw(columns(true, quantiles), criteria, keep, parameters) + ")";
    return new Scan(sql, parameters, null);
  }

  /**
   * {@code select}, then FROM api_calls with {@code keep} read first and the filter of {@code
   * criteria}; their values added to {@code parameters}.
   */
  private static String raw(
      String select, CallCriteria criteria, Keep keep, List<Object> parameters) {
    Where where = Where.of(criteria);
    parameters.addAll(keep.parameters());
    parameters.addAll(where.parameters);
    return select
        + " FROM api_calls"
        + (keep.sql().isEmpty() ? "" : " PREWHERE " + keep.sql())
        + " WHERE "
        + where.sql;
  }

  /** Every rollup's table: the tables besides {@code api_calls} that hold rows of calls. */
  static List<String> rollupTables() {
    return Arrays.stream(Rollup.values()).map(rollup -> rollup.table).toList();
  }

  /**
   * The hourly rollup holding the number of calls matching {@code criteria} per hour ({@code
   * recorded}, one row per hour and group, {@code timestamp} the hour's start), or null when none
   * holds every column the filter names.
   */
  static String hourlyCounts(CallCriteria criteria) {
    for (Rollup rollup : List.of(Rollup.COUNTS, Rollup.CUSTOMERS)) {
      if (rollup.canAnswer(criteria, List.of(), 0)) {
        return rollup.table;
      }
    }
    return null;
  }

  /**
   * A SELECT of {@code keys} and the sums over the calls of {@code criteria}: {@code rollup} for
   * its whole periods; for the partial ones at the edges, its finer rollup (recursively) when it
   * has whole periods there, else api_calls. Parts joined by UNION ALL.
   */
  private static String rows(
      Rollup rollup, String keys, CallCriteria criteria, Keep keep, List<Object> parameters) {
    Instant start = criteria.startTime();
    Instant end = criteria.endTime();
    Instant middleStart = start == null ? null : ceil(start, rollup.period);
    Instant middleEnd = end == null ? null : floor(end, rollup.period);
    Where middle = Where.of(criteria.withTimeRange(middleStart, middleEnd));
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(keys)
            .append(", ")
            .append(columns(false, rollup.quantiles))
            .append(" FROM ")
            .append(rollup.table)
            .append(" WHERE ")
            .append(middle.sql);
    parameters.addAll(middle.parameters);
    if (!keep.sql().isEmpty()) {
      sql.append(" AND ").append(keep.sql());
      parameters.addAll(keep.parameters());
    }
    if (start != null && start.isBefore(middleStart)) {
      edge(rollup, keys, sql, keep, parameters, criteria.withTimeRange(start, middleStart));
    }
    if (end != null && middleEnd.isBefore(end)) {
      edge(rollup, keys, sql, keep, parameters, criteria.withTimeRange(middleEnd, end));
    }
    return sql.toString();
  }

  private static void edge(
      Rollup rollup,
      String keys,
      StringBuilder sql,
      Keep keep,
      List<Object> parameters,
      CallCriteria edge) {
    sql.append(" UNION ALL ");
    if (rollup.finer != null && rollup.finer.spansAPeriod(edge)) {
      sql.append(rows(rollup.finer, keys, edge, keep, parameters));
      return;
    }
    sql.append(
        raw("SELECT " + keys + ", " + columns(true, rollup.quantiles), edge, keep, parameters));
  }

  /**
   * Whether {@code c} names no column that only {@code api_calls} has: path, latency, tags, source
   * IP, API key, trace, extracted fields, labels or text.
   */
  private static boolean onlyKeyColumns(CallCriteria c) {
    return c.pathPrefix().isEmpty()
        && c.pathContains().isEmpty()
        && c.minLatencyMicros() == null
        && c.maxLatencyMicros() == null
        && c.tags().isEmpty()
        && c.sourceIp().isEmpty()
        && c.apiKeyId().isEmpty()
        && c.traceId().isEmpty()
        && c.fields().isEmpty()
        && c.labels().isEmpty()
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
