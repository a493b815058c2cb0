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
 * which the totals add up from; then the quantiles alone. Measured on 10 million calls (2
 * cores, load about 3): on the raw table as fast as the earlier pair (totals with quantiles,
 * then counts per group: 430 ms against 423 ms); over the rollup faster (147 ms against 180
 * ms), where the quantiles read the histograms with ARRAY JOIN, which beat the -Array
 * combinator. One statement was slower every way tried: grouping first and merging quantile
 * states after (220 ms over the rollup), or counting with sumMap (2.5 s raw). Running the two
 * statements in parallel gained nothing on 2 cores.
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
