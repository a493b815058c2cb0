package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.BreakdownQuery;
import io.tapline.server.storage.BreakdownResult;
import io.tapline.server.storage.BreakdownSort;
import io.tapline.server.storage.CallMetrics;
import io.tapline.server.storage.Dimension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Metrics per group of one or two dimensions: the top N groups and one "other" row whose quantiles
 * are those of its calls, not an average of quantiles.
 *
 * <p>Ranked by counts, errors or error rate with at most {@value #MAX_TOP_GROUPS} groups, two
 * statements. The first ranks the groups by weighted counts, from an hourly rollup when one can
 * answer (then with every group's sums). The second codes each call's group so that the top groups
 * are told apart ({@link #numbering}) and sums the calls' quantile weights (and their other sums,
 * when the first statement did not) per code and latency bucket; the metrics and quantiles of each
 * group are then added up here from those few thousand rows ({@link Histogram}). This is faster
 * than quantiles computed per group by ClickHouse, and much faster than one conditional aggregate
 * ({@code -If}) per group (figures in bench/README.md, "Figures behind the code"). When the first
 * statement read every group's sums from a rollup and a latency rollup holds every call's
 * histogram, the second reads only the top groups' calls, and the rest's histogram is every call's
 * less theirs ({@link #rest}): a breakdown of 2000 customers over 30 days then reads its top ten in
 * the customers' daily rollup instead of 60 M calls.
 *
 * <p>Otherwise one statement: every group's aggregates with quantiles as mergeable states, ranked
 * by a window function, the top N kept and the rest merged.
 */
final class SelectBreakdown {

  /**
   * Most top groups numbered and summed per latency bucket: {@value}. The second statement returns
   * at most a few hundred rows per group.
   */
  static final int MAX_TOP_GROUPS = 100;

  private final BreakdownQuery query;
  private final boolean rollups;

  /** Levels computed per group: the requested ones, then the sort level. */
  private final List<Double> levels;

  private final String k1;
  private final String k2;

  /** The parameters of k1, then those of k2. */
  private final List<Object> keyParameters = new ArrayList<>();

  SelectBreakdown(BreakdownQuery query, boolean rollups) {
    this.query = query;
    this.rollups = rollups;
    this.levels = new ArrayList<>(query.levels());
    levels.add(query.sortLevel());
    this.k1 =
        Dimensions.expression(
            query.dimensions().get(0), query.tagKey(), query.field(), keyParameters);
    this.k2 =
        query.dimensions().size() > 1
            ? Dimensions.expression(
                query.dimensions().get(1), query.tagKey(), query.field(), keyParameters)
            : "''";
  }

  BreakdownResult execute(Connection connection) throws SQLException {
    if (query.sort() != BreakdownSort.LATENCY_QUANTILE && query.limit() <= MAX_TOP_GROUPS) {
      return executeTop(connection);
    }
    return executeRanked(connection);
  }

  // ---- ranked by counts: top groups first, then sums per group number and latency bucket ----

  private BreakdownResult executeTop(Connection connection) throws SQLException {
    // From a rollup, every group with its sums: the top ones are the first rows, the rest make
    // "other", and only quantile weights are left to read from the calls. From api_calls, the
    // top groups alone; their sums are read with the quantile weights.
    Scan counts = Scan.counts(query.criteria(), query.dimensions(), 0, rollups);
    boolean sums = counts.rollup();
    String top =
        "SELECT "
            + k1
            + " AS k1, "
            + k2
            + " AS k2, sum(s_count) AS w_count, sum(s_errors) AS w_errors"
            + (sums
                ? ", sum(s_recorded) AS recorded, sum(s_latency) AS w_latency,"
                    + " min(s_min) AS min_us, max(s_max) AS max_us"
                : "")
            + " FROM "
            + counts.from
            + " GROUP BY k1, k2 ORDER BY "
            + order()
            + (sums ? "" : " LIMIT ?");
    List<Object> topParameters = new ArrayList<>(keyParameters);
    topParameters.addAll(counts.parameters);
    if (!sums) {
      topParameters.add(query.limit());
    }
    List<List<String>> keys = new ArrayList<>();
    List<Histogram> histograms = new ArrayList<>();
    Histogram other = new Histogram();
    try (PreparedStatement statement = Statements.prepare(connection, top, topParameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        Histogram group = other;
        if (keys.size() < query.limit()) {
          keys.add(List.of(rs.getString(1), rs.getString(2)));
          group = new Histogram();
          histograms.add(group);
        }
        if (sums) {
          group.addSums(rs);
        }
      }
    }
    if (keys.isEmpty()) {
      return new BreakdownResult(List.of());
    }
    histograms.add(other);
    List<Object> parameters = new ArrayList<>();
    Numbering numbering = numbering(keys, parameters);
    Scan all = rest(sums);
    Scan latencies =
        Scan.latencies(
            query.criteria(),
            query.dimensions(),
            0,
            rollups,
            all == null ? Scan.Keep.ALL : topValues(keys));
    // One numeric key (group code, then latency bucket in the low 16 bits): ClickHouse groups
    // by a single number much faster than by several columns.
    String sql =
        "SELECT toUInt64("
            + numbering.expression
            + ") * 65536 + latency_bucket AS k, "
            + "sum(s_qweight)"
            + (sums ? "" : ", " + Aggregates.sums())
            + " FROM "
            + latencies.from
            + " GROUP BY k";
    parameters.addAll(latencies.parameters);
    Map<Long, Integer> groupOfCode = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      groupOfCode.put(numbering.codes.get(i), i);
    }
    try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        long k = rs.getLong(1);
        Histogram group = histograms.get(groupOfCode.getOrDefault(k >>> 16, keys.size()));
        group.addWeight((int) (k & 0xFFFF), rs.getLong(2));
        if (!sums) {
          group.addSums(rs);
        }
      }
    }
    if (all != null) {
      addWeights(connection, all, other);
      for (int i = 0; i < keys.size(); i++) {
        other.subtractWeights(histograms.get(i));
      }
    }
    int dimensions = query.dimensions().size();
    List<BreakdownResult.Group> groups = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      CallMetrics metrics = histograms.get(i).metrics(levels);
      groups.add(
          new BreakdownResult.Group(
              keys.get(i).subList(0, dimensions), withoutSortLevel(metrics), false));
    }
    CallMetrics rest = other.metrics(levels);
    if (rest.recorded() > 0) {
      groups.add(new BreakdownResult.Group(List.of(), withoutSortLevel(rest), true));
    }
    return new BreakdownResult(groups);
  }

  /**
   * Every call's latency histogram, from a rollup, when the rest of the top groups can be had as it
   * less theirs: one dimension with a column of its own, and every group's sums read already
   * ({@code sums}). The calls of the top groups alone are then read per group, which a rollup
   * sorted by that column (the customers') reads in a few granules. Null otherwise.
   */
  private Scan rest(boolean sums) {
    if (!sums
        || query.dimensions().size() != 1
        || query.dimensions().getFirst() == Dimension.STATUS_CLASS) {
      return null;
    }
    Scan all = Scan.latencies(query.criteria(), List.of(), 0, rollups);
    return all.rollup() ? all : null;
  }

  /** The condition keeping the calls of the top groups ({@code keys}), in their column. */
  private Scan.Keep topValues(List<List<String>> keys) {
    List<Object> parameters = new ArrayList<>();
    Dimension dimension = query.dimensions().getFirst();
    String column = Dimensions.column(dimension, query.tagKey(), query.field(), parameters);
    for (List<String> key : keys) {
      String value = key.getFirst();
      parameters.add(dimension == Dimension.STATUS_CODE ? (Object) Integer.valueOf(value) : value);
    }
    return new Scan.Keep(
        column + " IN (" + keys.stream().map(k -> "?").collect(Collectors.joining(", ")) + ")",
        parameters);
  }

  /** Adds the quantile weights of the calls of {@code scan} to {@code histogram}. */
  private static void addWeights(Connection connection, Scan scan, Histogram histogram)
      throws SQLException {
    String sql =
        "SELECT latency_bucket, sum(s_qweight) FROM " + scan.from + " GROUP BY latency_bucket";
    try (PreparedStatement statement = Statements.prepare(connection, sql, scan.parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        histogram.addWeight(rs.getInt(1), rs.getLong(2));
      }
    }
  }

  /** An SQL expression coding a call's group, and the code of each top group, in order. */
  private record Numbering(String expression, List<Long> codes) {}

  /**
   * A code for each call telling the top groups apart; any other call's code is none of theirs.
   * Each dimension's value is numbered among the values the top groups hold (1, 2, ..., or 0 for
   * another value); two numbers make a code {@code n1 * 65536 + n2}. When the pairs of numbers
   * would be many more than the top groups, the code is mapped to the group's rank in SQL instead,
   * so the rows returned stay few.
   */
  private Numbering numbering(List<List<String>> keys, List<Object> parameters) {
    Numbered first = numbered(0, keys, parameters);
    if (query.dimensions().size() == 1) {
      return new Numbering(first.expression, keys.stream().map(k -> first.code(k.get(0))).toList());
    }
    Numbered second = numbered(1, keys, parameters);
    String code = "toUInt32(" + first.expression + ") * 65536 + " + second.expression;
    List<Long> codes =
        keys.stream().map(k -> first.code(k.get(0)) * 65536 + second.code(k.get(1))).toList();
    if ((first.numbers.size() + 1) * (second.numbers.size() + 1) <= 2 * keys.size()) {
      return new Numbering(code, codes);
    }
    List<Long> ranks = LongStream.rangeClosed(1, keys.size()).boxed().toList();
    return new Numbering(
        "transform("
            + code
            + ", CAST("
            + numbers(codes)
            + ", 'Array(UInt32)'), "
            + numbers(ranks)
            + ", 0)",
        ranks);
  }

  /** A dimension's values numbered in SQL: the expression and the number of each value. */
  private record Numbered(String expression, Map<String, Long> numbers) {
    long code(String value) {
      return numbers.get(value);
    }
  }

  /**
   * Numbers the values the top groups hold in dimension {@code index}. A status class is its digit
   * already; other values are numbered 1, 2, ... with {@code transform} over the column itself (for
   * a LowCardinality column it maps the dictionary, not every row), the values bound.
   */
  private Numbered numbered(int index, List<List<String>> keys, List<Object> parameters) {
    Dimension dimension = query.dimensions().get(index);
    List<String> values = keys.stream().map(k -> k.get(index)).distinct().toList();
    Map<String, Long> numbers = new HashMap<>();
    if (dimension == Dimension.STATUS_CLASS) {
      values.forEach(v -> numbers.put(v, Long.parseLong(v.substring(0, v.length() - 2))));
      return new Numbered("intDiv(status_code, 100)", numbers);
    }
    String column = Dimensions.column(dimension, query.tagKey(), query.field(), parameters);
    for (String value : values) {
      numbers.put(value, (long) numbers.size() + 1);
      parameters.add(dimension == Dimension.STATUS_CODE ? (Object) Integer.valueOf(value) : value);
    }
    return new Numbered(
        "transform("
            + column
            + ", ["
            + values.stream().map(v -> "?").collect(Collectors.joining(", "))
            + "], "
            + numbers(LongStream.rangeClosed(1, values.size()).boxed().toList())
            + ", 0)",
        numbers);
  }

  private static String numbers(List<Long> numbers) {
    return numbers.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
  }

  // ---- every group aggregated, ranked by a window ----

  /**
   * The ranking of groups, the same on both paths (which one runs depends only on the limit): by
   * the sort, then by count, then by key.
   */
  private String order() {
    String rank =
        switch (query.sort()) {
          case COUNT -> "w_count";
          case ERRORS -> "w_errors";
          case ERROR_RATE -> "w_errors / w_count";
          case LATENCY_QUANTILE -> "finalizeAggregation(q_state)[" + levels.size() + "]";
        };
    return rank + " DESC, w_count DESC, k1, k2";
  }

  private BreakdownResult executeRanked(Connection connection) throws SQLException {
    Scan scan = Scan.latencies(query.criteria(), query.dimensions(), 0, rollups);
    String groups =
        "SELECT "
            + k1
            + " AS k1, "
            + k2
            + " AS k2, "
            + Aggregates.selectState(levels)
            + " FROM "
            + scan.from
            + " GROUP BY k1, k2";
    String ranked =
        "SELECT *, row_number() OVER (ORDER BY " + order() + ") AS rn" + " FROM (" + groups + ")";
    String sql =
        "SELECT rn > ? AS is_other, if(is_other, '', k1) AS g1, if(is_other, '', k2) AS g2, "
            + Aggregates.merge(levels)
            + " FROM ("
            + ranked
            + ")"
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
            other
                ? List.of()
                : dimensions == 1
                    ? List.of(rs.getString(2))
                    : List.of(rs.getString(2), rs.getString(3));
        CallMetrics all = Aggregates.read(rs, 4, levels.size());
        result.add(new BreakdownResult.Group(values, withoutSortLevel(all), other));
      }
    }
    return new BreakdownResult(result);
  }

  private CallMetrics withoutSortLevel(CallMetrics m) {
    return new CallMetrics(
        m.count(),
        m.errors(),
        m.recorded(),
        m.avgLatencyMicros(),
        m.minLatencyMicros(),
        m.maxLatencyMicros(),
        m.quantileMicros().subList(0, query.levels().size()));
  }

  @Override
  public String toString() {
    return "SelectBreakdown{" + query + ", rollups " + rollups + "}";
  }
}
