package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallMetrics;
import io.tapline.server.storage.Dimension;
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
 * method and status code. Two statements: counts, sums, min and max per method and per status
 * code (grouping sets, one pass), from the hourly counts rollup when it can answer, which the
 * totals add up from; then the quantiles alone, from the latency rollup when it can answer.
 * Measured on 10 million calls (2 cores): grouping by method and status code together took
 * twice as long as the two grouping sets.
 */
final class SelectMetrics {

  private final MetricsQuery query;
  private final Scan counts;
  private final Scan latencies;
  private final String groups;
  private final String quantiles;

  SelectMetrics(MetricsQuery query, boolean rollups) {
    this.query = query;
    this.counts =
        Scan.counts(query.criteria(), List.of(Dimension.METHOD, Dimension.STATUS_CODE), 0, rollups);
    this.latencies = Scan.latencies(query.criteria(), List.of(), 0, rollups);
    this.groups =
        "SELECT toString(method), status_code, grouping(method) = 0, " + Aggregates.sums()
            + " FROM " + counts.from + " GROUP BY GROUPING SETS ((method), (status_code))";
    this.quantiles =
        "SELECT " + Aggregates.quantiles(query.levels()) + " FROM " + latencies.from;
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
    try (PreparedStatement statement = Statements.prepare(connection, groups, counts.parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        double groupCount = rs.getDouble(4);
        if (!rs.getBoolean(3)) {
          byStatus.merge(rs.getInt(2), groupCount, Double::sum);
          continue;
        }
        byMethod.merge(rs.getString(1), groupCount, Double::sum);
        count += groupCount;
        errors += rs.getDouble(5);
        recorded += rs.getLong(6);
        latency += rs.getDouble(7);
        min = Math.min(min, rs.getLong(8));
        max = Math.max(max, rs.getLong(9));
      }
    }
    int levels = query.levels().size();
    if (recorded == 0) {
      return new MetricsResult(CallMetrics.empty(levels), byMethod, byStatus);
    }
    List<Double> quantileMicros = new ArrayList<>(levels);
    try (PreparedStatement statement = Statements.prepare(connection, quantiles, latencies.parameters);
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
    return "SelectMetrics{" + query + ", " + counts + ", " + latencies + "}";
  }
}
