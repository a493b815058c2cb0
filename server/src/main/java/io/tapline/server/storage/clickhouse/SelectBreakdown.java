package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.BreakdownQuery;
import io.tapline.server.storage.BreakdownResult;
import io.tapline.server.storage.BreakdownSort;
import io.tapline.server.storage.CallMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Metrics per group of one or two dimensions: the top N groups and one "other" row whose
 * quantiles are those of its calls, not an average of quantiles.
 *
 * <p>Ranked by counts, errors or error rate with at most {@value #MAX_CONDITIONAL_GROUPS}
 * groups, two statements: the first ranks the groups by weighted counts alone; the second
 * aggregates each top group and the rest with conditional aggregates ({@code -If}) in one pass
 * with no GROUP BY. Measured on 10 million calls and the top 10 of 2000 customers (2 cores,
 * load about 3), this took 0.6 to 0.8 s against 1.9 to 2.4 s for the single statement below:
 * ClickHouse computes ungrouped quantiles much faster than grouped ones. Grouping only the
 * top keys (GROUP BY if(key IN top, key, '')) took about 1 s.
 *
 * <p>Otherwise one statement: every group's aggregates with quantiles as mergeable states,
 * ranked by a window function, the top N kept and the rest merged.
 */
final class SelectBreakdown {

  /** Most top groups aggregated with conditional aggregates: {@value}. */
  static final int MAX_CONDITIONAL_GROUPS = 25;

  private final BreakdownQuery query;
  private final Scan scan;
  /** Levels computed per group: the requested ones, then the sort level. */
  private final List<Double> levels;
  private final String k1;
  private final String k2;
  private final List<Object> k1Parameters = new ArrayList<>();
  private final List<Object> k2Parameters = new ArrayList<>();
  private final List<Object> keyParameters = new ArrayList<>();

  SelectBreakdown(BreakdownQuery query, boolean rollups) {
    this.query = query;
    this.levels = new ArrayList<>(query.levels());
    levels.add(query.sortLevel());
    this.scan = Scan.choose(query.criteria(), query.dimensions(), 0, rollups);
    this.k1 = Dimensions.expression(query.dimensions().get(0), query.tagKey(), k1Parameters);
    this.k2 =
        query.dimensions().size() > 1
            ? Dimensions.expression(query.dimensions().get(1), query.tagKey(), k2Parameters)
            : "''";
    keyParameters.addAll(k1Parameters);
    keyParameters.addAll(k2Parameters);
  }

  BreakdownResult execute(Connection connection) throws SQLException {
    if (query.sort() != BreakdownSort.LATENCY_QUANTILE && query.limit() <= MAX_CONDITIONAL_GROUPS) {
      return executeConditional(connection);
    }
    return executeRanked(connection);
  }

  // ---- ranked by counts: top groups first, then conditional aggregates ----

  private BreakdownResult executeConditional(Connection connection) throws SQLException {
    String rank =
        switch (query.sort()) {
          case COUNT -> "c";
          case ERRORS -> "e";
          case ERROR_RATE -> "e / c";
          case LATENCY_QUANTILE -> throw new IllegalStateException();
        };
    String top =
        "SELECT " + k1 + " AS k1, " + k2 + " AS k2, sum(" + scan.weight() + ") AS c, sum("
            + scan.errorWeight() + ") AS e FROM " + scan.from + " GROUP BY k1, k2 ORDER BY " + rank
            + " DESC, c DESC, k1, k2 LIMIT ?";
    List<Object> topParameters = new ArrayList<>(keyParameters);
    topParameters.addAll(scan.parameters);
    topParameters.add(query.limit());
    List<List<String>> keys = new ArrayList<>();
    try (PreparedStatement statement = Statements.prepare(connection, top, topParameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        keys.add(List.of(rs.getString(1), rs.getString(2)));
      }
    }
    if (keys.isEmpty()) {
      return new BreakdownResult(List.of());
    }
    // One condition per top group and one for the rest, each defined once in WITH, so
    // ClickHouse evaluates it once per block whatever the number of aggregates using it.
    int dimensions = query.dimensions().size();
    StringBuilder sql = new StringBuilder("WITH ");
    List<Object> parameters = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      sql.append("(").append(k1).append(" = ?");
      parameters.addAll(k1Parameters);
      parameters.add(keys.get(i).get(0));
      if (dimensions > 1) {
        sql.append(" AND ").append(k2).append(" = ?");
        parameters.addAll(k2Parameters);
        parameters.add(keys.get(i).get(1));
      }
      sql.append(") AS top_").append(i).append(", ");
    }
    sql.append("NOT (");
    for (int i = 0; i < keys.size(); i++) {
      sql.append(i == 0 ? "top_" : " OR top_").append(i);
    }
    sql.append(") AS rest SELECT ");
    for (int i = 0; i <= keys.size(); i++) {
      String condition = i < keys.size() ? "top_" + i : "rest";
      sql.append(i == 0 ? "" : ", ").append(Aggregates.selectIf(levels, scan, condition));
    }
    sql.append(" FROM ").append(scan.from);
    parameters.addAll(scan.parameters);
    List<BreakdownResult.Group> groups = new ArrayList<>();
    try (PreparedStatement statement = Statements.prepare(connection, sql.toString(), parameters);
        ResultSet rs = statement.executeQuery()) {
      rs.next();
      for (int i = 0; i <= keys.size(); i++) {
        CallMetrics metrics = Aggregates.read(rs, 1 + i * Aggregates.COLUMNS, levels.size());
        boolean isOther = i == keys.size();
        if (isOther && metrics.recorded() == 0) {
          continue;
        }
        List<String> values =
            isOther ? List.of() : keys.get(i).subList(0, dimensions);
        groups.add(new BreakdownResult.Group(values, withoutSortLevel(metrics), isOther));
      }
    }
    return new BreakdownResult(groups);
  }

  // ---- every group aggregated, ranked by a window ----

  private BreakdownResult executeRanked(Connection connection) throws SQLException {
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
    String sql =
        "SELECT rn > ? AS is_other, if(is_other, '', k1) AS g1, if(is_other, '', k2) AS g2, "
            + Aggregates.merge(levels, scan) + " FROM (" + ranked + ")"
            + " GROUP BY is_other, g1, g2 ORDER BY is_other, min(rn)";
    // Bound in the order the placeholders appear: the outer limit, the keys, the filter.
    List<Object> parameters = new ArrayList<>();
    parameters.add(query.limit());
    parameters.addAll(keyParameters);
    parameters.addAll(scan.parameters);
    List<BreakdownResult.Group> result = new ArrayList<>();
    int dimensions = query.dimensions().size();
    try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        boolean other = rs.getBoolean(1);
        List<String> values =
            other ? List.of() : dimensions == 1 ? List.of(rs.getString(2)) : List.of(rs.getString(2), rs.getString(3));
        CallMetrics all = Aggregates.read(rs, 4, levels.size());
        result.add(new BreakdownResult.Group(values, withoutSortLevel(all), other));
      }
    }
    return new BreakdownResult(result);
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
