package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.Dimension;
import io.tapline.server.storage.MetricsQuery;
import io.tapline.server.storage.MetricsResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Totals and quantiles of the calls matching a {@link MetricsQuery}, with weighted counts by
 * method and status code. Rows come in three grouping sets: per method (whose sums add up to the
 * totals), per status code, and per latency bucket (the quantile weights {@link Histogram}
 * computes the quantiles from). When both rollups can answer, or either can, the counts and the
 * buckets are two statements, each from its own table; from {@code api_calls} alone they are one
 * pass. Measured on 10 million calls (2 cores): one customer's metrics took 121 ms in one pass
 * against 170 ms in two; grouping by method and status code together took twice as long as the
 * two grouping sets.
 */
final class SelectMetrics {

  /** The first six columns of every row: keys, grouping flags, quantile weight. */
  private static final String LEADING =
      "toString(method), status_code, latency_bucket, grouping(method) = 0,"
          + " grouping(status_code) = 0, sum(s_qweight)";

  private final MetricsQuery query;
  private final Scan counts;
  private final Scan latencies;

  SelectMetrics(MetricsQuery query, boolean rollups) {
    this.query = query;
    this.counts =
        Scan.counts(query.criteria(), List.of(Dimension.METHOD, Dimension.STATUS_CODE), 0, rollups);
    this.latencies = Scan.latencies(query.criteria(), List.of(), 0, rollups);
  }

  MetricsResult execute(Connection connection) throws SQLException {
    Map<String, Double> byMethod = new HashMap<>();
    Map<Integer, Double> byStatus = new HashMap<>();
    Histogram total = new Histogram();
    if (!counts.rollup() && !latencies.rollup()) {
      String sql =
          "SELECT " + LEADING + ", " + Aggregates.sums() + " FROM " + latencies.from
              + " GROUP BY GROUPING SETS ((method), (status_code), (latency_bucket))";
      read(connection, sql, latencies.parameters, byMethod, byStatus, total);
    } else {
      String groups =
          "SELECT toString(method), status_code, 0, grouping(method) = 0,"
              + " grouping(status_code) = 0, 0, " + Aggregates.sums() + " FROM " + counts.from
              + " GROUP BY GROUPING SETS ((method), (status_code))";
      String buckets =
          "SELECT '', 0, latency_bucket, 0, 0, sum(s_qweight) FROM " + latencies.from
              + " GROUP BY latency_bucket";
      read(connection, groups, counts.parameters, byMethod, byStatus, total);
      read(connection, buckets, latencies.parameters, byMethod, byStatus, total);
    }
    return new MetricsResult(total.metrics(query.levels()), byMethod, byStatus);
  }

  /** Adds each row of {@code sql} to the counts by method or status, or to the histogram. */
  private static void read(
      Connection connection, String sql, List<Object> parameters, Map<String, Double> byMethod,
      Map<Integer, Double> byStatus, Histogram total) throws SQLException {
    try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        if (rs.getBoolean(4)) {
          byMethod.merge(rs.getString(1), rs.getDouble(7), Double::sum);
          total.addSums(
              rs.getDouble(7), rs.getDouble(8), rs.getLong(9), rs.getDouble(10), rs.getLong(11),
              rs.getLong(12));
        } else if (rs.getBoolean(5)) {
          byStatus.merge(rs.getInt(2), rs.getDouble(7), Double::sum);
        } else {
          total.addWeight(rs.getInt(3), rs.getLong(6));
        }
      }
    }
  }

  @Override
  public String toString() {
    return "SelectMetrics{" + query + ", " + counts + ", " + latencies + "}";
  }
}
