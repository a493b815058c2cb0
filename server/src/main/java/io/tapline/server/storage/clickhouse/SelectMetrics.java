package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallMetrics;
import io.tapline.server.storage.MetricsQuery;
import io.tapline.server.storage.MetricsResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Totals and quantiles of the calls matching a {@link MetricsQuery}, with weighted counts by
 * method and status code. Two statements: counts, sums, min and max per (method, status code),
 * which the totals add up from; then the quantiles alone. Measured on 10 million rows, this
 * pair was faster than one statement computing the totals and quantiles with the grouped
 * counts in a second one (the form that read every row for sums twice), and faster than one
 * statement that grouped first and merged quantile states after, or that used sumMap for the
 * counts. Over the rollup, the quantiles read the histograms with ARRAY JOIN, which was faster
 * than the -Array combinator.
 */
final class SelectMetrics {

  private final MetricsQuery query;
  private final Scan scan;
  private final String groups;
  private final String quantiles;

  SelectMetrics(MetricsQuery query, boolean rollups) {
    this.query = query;
    this.scan = Scan.choose(query.criteria(), List.of(), 0, rollups);
    this.groups =
        "SELECT toString(method), status_code, " + Aggregates.sums(scan) + " FROM " + scan.from
            + " GROUP BY method, status_code";
    String levels = Aggregates.levels(query.levels());
    this.quantiles =
        scan.rollup
            ? "SELECT quantilesExactWeighted(" + levels + ")(b, w) FROM " + scan.from
                + " ARRAY JOIN s_buckets AS b, s_weights AS w"
            : "SELECT quantilesExactWeighted(" + levels + ")(" + Aggregates.BUCKET + ", "
                + Aggregates.QUANTILE_WEIGHT + ") FROM " + scan.from;
  }

  MetricsResult execute(Connection connection) throws SQLException {
    Map<String, Double> byMethod = new HashMap<>();
    Map<Integer, Double> byStatus = new HashMap<>();
    double count = 0;
    double errors = 0;
    long recorded = 0;
    double latency = 0;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    try (PreparedStatement statement = Statements.prepare(connection, groups, scan.parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        double groupCount = rs.getDouble(3);
        byMethod.merge(rs.getString(1), groupCount, Double::sum);
        byStatus.merge(rs.getInt(2), groupCount, Double::sum);
        count += groupCount;
        errors += rs.getDouble(4);
        recorded += rs.getLong(5);
        latency += rs.getDouble(6);
        min = Math.min(min, rs.getLong(7));
        max = Math.max(max, rs.getLong(8));
      }
    }
    int levels = query.levels().size();
    if (recorded == 0) {
      return new MetricsResult(CallMetrics.empty(levels), byMethod, byStatus);
    }
    List<Double> quantileMicros = new ArrayList<>(levels);
    try (PreparedStatement statement = Statements.prepare(connection, quantiles, scan.parameters);
        ResultSet rs = statement.executeQuery()) {
      rs.next();
      for (long bucket : Aggregates.longs(rs.getArray(1))) {
        quantileMicros.add(Aggregates.latencyOfBucket(bucket));
      }
    }
    CallMetrics total =
        new CallMetrics(count, errors, recorded, latency / count, min, max, quantileMicros);
    return new MetricsResult(total, byMethod, byStatus);
  }

  @Override
  public String toString() {
    return "SelectMetrics{" + query + ", " + scan + "}";
  }
}
