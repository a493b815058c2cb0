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
 * Totals and quantiles of the calls matching a {@link MetricsQuery}, with weighted counts by method
 * and status code. Rows come in three grouping sets: per method (whose sums add up to the totals),
 * per status code, and per latency bucket (the quantile weights {@link Histogram} computes the
 * quantiles from). When both rollups can answer, or either can, the counts and the buckets are two
 * statements, each from its own table; from {@code api_calls} alone they are one pass, which is
 * faster than two statements over the same table. Method and status code are two grouping sets
 * because one grouping by both together is slower (figures in bench/README.md, "Figures behind the
 * code").
 */
final class SelectMetrics {

  /** The first columns of every row, read by name: keys, grouping flags, quantile weight. */
  private static final String LEADING =
      "toString(method) AS k_method, status_code AS k_status, latency_bucket AS k_bucket,"
          + " grouping(method) = 0 AS by_method, grouping(status_code) = 0 AS by_status,"
          + " sum(s_qweight) AS k_weight";

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
          "SELECT "
              + LEADING
              + ", "
              + Aggregates.sums()
              + " FROM "
              + latencies.from
              + " GROUP BY GROUPING SETS ((method), (status_code), (latency_bucket))";
      read(connection, sql, latencies.parameters, byMethod, byStatus, total);
    } else {
      String groups =
          "SELECT toString(method) AS k_method, status_code AS k_status, 0 AS k_bucket,"
              + " grouping(method) = 0 AS by_method, grouping(status_code) = 0 AS by_status,"
              + " 0 AS k_weight, "
              + Aggregates.sums()
              + " FROM "
              + counts.from
              + " GROUP BY GROUPING SETS ((method), (status_code))";
      String buckets =
          "SELECT latency_bucket AS k_bucket, 0 AS by_method, 0 AS by_status,"
              + " sum(s_qweight) AS k_weight FROM "
              + latencies.from
              + " GROUP BY latency_bucket";
      read(connection, groups, counts.parameters, byMethod, byStatus, total);
      read(connection, buckets, latencies.parameters, byMethod, byStatus, total);
    }
    return new MetricsResult(total.metrics(query.levels()), byMethod, byStatus);
  }

  /** Adds each row of {@code sql} to the counts by method or status, or to the histogram. */
  private static void read(
      Connection connection,
      String sql,
      List<Object> parameters,
      Map<String, Double> byMethod,
      Map<Integer, Double> byStatus,
      Histogram total)
      throws SQLException {
    try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        if (rs.getBoolean("by_method")) {
          byMethod.merge(rs.getString("k_method"), rs.getDouble("w_count"), Double::sum);
          total.addSums(rs);
        } else if (rs.getBoolean("by_status")) {
          byStatus.merge(rs.getInt("k_status"), rs.getDouble("w_count"), Double::sum);
        } else {
          total.addWeight(rs.getInt("k_bucket"), rs.getLong("k_weight"));
        }
      }
    }
  }

  @Override
  public String toString() {
    return "SelectMetrics{" + query + ", " + counts + ", " + latencies + "}";
  }
}
