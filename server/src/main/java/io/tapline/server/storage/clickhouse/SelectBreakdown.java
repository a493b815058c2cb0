package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.BreakdownQuery;
import io.tapline.server.storage.BreakdownResult;
import io.tapline.server.storage.CallMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Metrics per group of one or two dimensions in one statement: the inner query aggregates each
 * group (quantiles as mergeable states), ranks the groups, and the outer query keeps the top N
 * and merges the rest into one "other" row, so its quantiles are those of its calls, not an
 * average of quantiles.
 */
final class SelectBreakdown {

  private final BreakdownQuery query;
  private final Scan scan;
  private final String sql;
  private final List<Object> parameters = new ArrayList<>();
  /** Levels computed per group: the requested ones, then the sort level. */
  private final List<Double> levels;

  SelectBreakdown(BreakdownQuery query, boolean rollups) {
    this.query = query;
    this.levels = new ArrayList<>(query.levels());
    levels.add(query.sortLevel());
    // Bound in the order the placeholders appear: the outer limit, the keys, the filter.
    parameters.add(query.limit());
    String k1 = Dimensions.expression(query.dimensions().get(0), query.tagKey(), parameters);
    String k2 =
        query.dimensions().size() > 1
            ? Dimensions.expression(query.dimensions().get(1), query.tagKey(), parameters)
            : "''";
    this.scan = Scan.choose(query.criteria(), query.dimensions(), 0, rollups);
    parameters.addAll(scan.parameters);
    String rank =
        switch (query.sort()) {
          case COUNT -> "w_count";
          case ERRORS -> "w_errors";
          case ERROR_RATE -> "w_errors / w_count";
          case LATENCY_QUANTILE -> "finalizeAggregation(q_state)[" + levels.size() + "]";
        };
    String groups =
        "SELECT " + k1 + " AS k1, " + k2 + " AS k2, " + Aggregates.selectState(levels, scan)
            + " FROM " + scan.from + " GROUP BY k1, k2";
    String ranked =
        "SELECT *, row_number() OVER (ORDER BY " + rank + " DESC, w_count DESC, k1, k2) AS rn"
            + " FROM (" + groups + ")";
    this.sql =
        "SELECT rn > ? AS is_other, if(is_other, '', k1) AS g1, if(is_other, '', k2) AS g2, "
            + Aggregates.merge(levels, scan) + " FROM (" + ranked + ")"
            + " GROUP BY is_other, g1, g2 ORDER BY is_other, min(rn)";
  }

  BreakdownResult execute(Connection connection) throws SQLException {
    List<BreakdownResult.Group> groups = new ArrayList<>();
    int dimensions = query.dimensions().size();
    try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        boolean other = rs.getBoolean(1);
        List<String> values =
            other ? List.of() : dimensions == 1 ? List.of(rs.getString(2)) : List.of(rs.getString(2), rs.getString(3));
        CallMetrics all = Aggregates.read(rs, 4, levels.size());
        groups.add(new BreakdownResult.Group(values, withoutSortLevel(all), other));
      }
    }
    return new BreakdownResult(groups);
  }

  private CallMetrics withoutSortLevel(CallMetrics m) {
    return new CallMetrics(
        m.count(), m.errors(), m.recorded(), m.avgLatencyMicros(), m.minLatencyMicros(),
        m.maxLatencyMicros(), m.quantileMicros().subList(0, query.levels().size()));
  }

  @Override
  public String toString() {
    return "SelectBreakdown{" + query + ", " + scan + "}";
  }
}
