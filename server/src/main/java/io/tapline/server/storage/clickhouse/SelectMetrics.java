package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallMetrics;
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
 * Totals and quantiles of the calls matching a {@link MetricsQuery}, then weighted counts by
 * (method, status code), from which the service derives counts by method, status and class.
 * Two statements: measured on 10 million rows, one statement that grouped first and merged
 * quantile states after was two to four times slower than both together.
 */
final class SelectMetrics {

  private final MetricsQuery query;
  private final Scan scan;
  private final String totals;
  private final String counts;

  SelectMetrics(MetricsQuery query, boolean rollups) {
    this.query = query;
    this.scan = Scan.choose(query.criteria(), List.of(), 0, rollups);
    this.totals = "SELECT " + Aggregates.select(query.levels(), scan) + " FROM " + scan.from;
    this.counts =
        "SELECT toString(method), status_code, sum(" + scan.weight() + ") FROM " + scan.from
            + " GROUP BY method, status_code";
  }

  MetricsResult execute(Connection connection) throws SQLException {
    CallMetrics total;
    try (PreparedStatement statement = Statements.prepare(connection, totals, scan.parameters);
        ResultSet rs = statement.executeQuery()) {
      total = rs.next() ? Aggregates.read(rs, 1, query.levels().size()) : CallMetrics.empty(query.levels().size());
    }
    Map<String, Double> byMethod = new HashMap<>();
    Map<Integer, Double> byStatus = new HashMap<>();
    if (total.recorded() > 0) {
      try (PreparedStatement statement = Statements.prepare(connection, counts, scan.parameters);
          ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          double count = rs.getDouble(3);
          byMethod.merge(rs.getString(1), count, Double::sum);
          byStatus.merge(rs.getInt(2), count, Double::sum);
        }
      }
    }
    return new MetricsResult(total, byMethod, byStatus);
  }

  @Override
  public String toString() {
    return "SelectMetrics{" + query + ", " + scan + "}";
  }
}
