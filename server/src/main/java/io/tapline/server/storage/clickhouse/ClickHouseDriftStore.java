package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.DriftFeature;
import io.tapline.server.storage.DriftHistogram;
import io.tapline.server.storage.DriftResult;
import io.tapline.server.storage.DriftStore;
import io.tapline.server.storage.Names;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;

/**
 * Drift in ClickHouse, every feature of a request in the same statement:
 *
 * <ol>
 *   <li>the reference's bins: quantiles (from a bfloat16 histogram: edges within about 1 % of the
 *       value), least and greatest value of each numeric feature, most common values (top-k) of
 *       each categorical one;
 *   <li>the calls of a window counted per bin, one {@code countResample} array per feature;
 *   <li>for the current window, the same statement computes the scores from its counts and the
 *       reference's (given as literals) with array functions.
 * </ol>
 *
 * <p>Values from the data (categories) are bound; edges and counts, which the store computed
 * itself, are written as numbers, and field names (vetted) as literals.
 */
public final class ClickHouseDriftStore implements DriftStore {

  /** A share below this is taken as this in PSI: {@value}. */
  static final double PSI_FLOOR = 1e-4;

  private final DataSource dataSource;

  public ClickHouseDriftStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public List<DriftHistogram> reference(
      CallCriteria criteria, List<DriftFeature> features, int bins, int categories) {
    Where where = Where.of(criteria);
    List<String> columns = new ArrayList<>();
    String levels =
        IntStream.range(1, bins)
            .mapToObj(i -> Double.toString((double) i / bins))
            .collect(Collectors.joining(", "));
    for (DriftFeature feature : features) {
      Value value = value(feature);
      if (feature.numeric()) {
        columns.add(aggregate("quantilesBFloat16", "(" + levels + ")", value.expression, value));
        columns.add(aggregate("min", "", value.expression, value));
        columns.add(aggregate("max", "", value.expression, value));
      } else {
        columns.add(
            "arrayMap(x -> toString(x), "
                + aggregate("topK", "(" + categories + ")", value.expression, value)
                + ")");
      }
    }
    List<Object> parameters = where.parameters;
    String sql =
        "SELECT "
            + String.join(", ", columns)
            + " FROM "
            + ClickHouseCallWriter.TABLE
            + " WHERE "
            + where.sql;
    List<DriftHistogram> bounds =
        Connections.with(
            dataSource,
            "drift reference of " + criteria.service(),
            connection -> {
              try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
                  ResultSet rs = statement.executeQuery()) {
                rs.next();
                List<DriftHistogram> histograms = new ArrayList<>();
                int column = 1;
                for (DriftFeature feature : features) {
                  if (feature.numeric()) {
                    List<Double> edges =
                        Arrays.stream(SqlArrays.doubles(rs.getArray(column++)))
                            .filter(Double::isFinite)
                            .distinct()
                            .sorted()
                            .boxed()
                            .toList();
                    double min = rs.getDouble(column++);
                    double max = rs.getDouble(column++);
                    histograms.add(
                        new DriftHistogram(
                            feature,
                            edges,
                            Double.isFinite(min) ? min : 0,
                            Double.isFinite(max) ? max : 0,
                            List.of(),
                            List.of()));
                  } else {
                    histograms.add(
                        new DriftHistogram(
                            feature,
                            List.of(),
                            0,
                            0,
                            List.of(SqlArrays.strings(rs.getArray(column++))),
                            List.of()));
                  }
                }
                return histograms;
              }
            });
    List<DriftResult> counted = count(criteria, bounds, false);
    return counted.stream().map(DriftResult::current).toList();
  }

  @Override
  public List<DriftResult> compare(CallCriteria criteria, List<DriftHistogram> reference) {
    return count(criteria, reference, true);
  }

  /**
   * The calls of {@code criteria} counted over each histogram's bins; with {@code scores}, the
   * scores against the histograms' counts as well.
   */
  private List<DriftResult> count(
      CallCriteria criteria, List<DriftHistogram> histograms, boolean scores) {
    List<Object> parameters = new ArrayList<>();
    List<String> counts = new ArrayList<>();
    List<String> outer = new ArrayList<>();
    for (int i = 0; i < histograms.size(); i++) {
      DriftHistogram h = histograms.get(i);
      Value value = value(h.feature());
      int bins;
      String bin;
      if (h.feature().numeric()) {
        bins = h.edges().size() + 1;
        bin = numericBin(value.expression, h.edges());
      } else {
        bins = h.categories().size() + 1;
        bin = categoricalBin(value, h.categories(), parameters);
      }
      counts.add(aggregate("countResample", "(0, " + bins + ", 1)", bin, value) + " AS c" + i);
      outer.add("c" + i);
      if (scores) {
        outer.add(scores(i, h));
      }
    }
    Where where = Where.of(criteria);
    parameters.addAll(where.parameters);
    String sql =
        "SELECT "
            + String.join(", ", outer)
            + " FROM (SELECT "
            + String.join(", ", counts)
            + " FROM "
            + ClickHouseCallWriter.TABLE
            + " WHERE "
            + where.sql
            + ")";
    return Connections.with(
        dataSource,
        "drift of " + criteria.service(),
        connection -> {
          try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
              ResultSet rs = statement.executeQuery()) {
            rs.next();
            List<DriftResult> results = new ArrayList<>();
            int column = 1;
            for (DriftHistogram h : histograms) {
              List<Long> current = SqlArrays.longs(rs.getArray(column++));
              DriftHistogram counted = h.withCounts(current);
              if (!scores) {
                results.add(new DriftResult(h, counted, null, null, null, null));
                continue;
              }
              Double psi = score(rs.getDouble(column++));
              Double js = score(rs.getDouble(column++));
              Double ks = null;
              Double wasserstein = null;
              if (h.feature().numeric()) {
                ks = score(rs.getDouble(column++));
                wasserstein = score(rs.getDouble(column++));
              }
              results.add(new DriftResult(h, counted, psi, js, ks, wasserstein));
            }
            return results;
          }
        });
  }

  /**
   * The scores of feature {@code i}: its current counts {@code c<i>} against the reference's
   * counts, from the shares of both. NaN when either has no calls.
   */
  private static String scores(int i, DriftHistogram reference) {
    String r = longsLiteral(reference.counts());
    String p = "arrayMap(x -> x / arraySum(" + r + "), " + r + ")";
    String q = "arrayMap(x -> x / arraySum(c" + i + "), c" + i + ")";
    String floor = Double.toString(PSI_FLOOR);
    String psi =
        "arraySum(arrayMap((a, b) -> (greatest(b, {F}) - greatest(a, {F}))"
            + " * log(greatest(b, {F}) / greatest(a, {F})), {P}, {Q}))";
    // Jensen-Shannon distance, base 2; 0 * log(0) is 0.
    String js =
        "sqrt(greatest(0, arraySum(arrayMap((a, b) -> if(a = 0, 0, a * log2(2 * a / (a + b))) / 2"
            + " + if(b = 0, 0, b * log2(2 * b / (a + b))) / 2, {P}, {Q}))))";
    List<String> scores = new ArrayList<>(List.of(psi, js));
    if (reference.feature().numeric()) {
      // The two cumulative shares where neighbouring bins meet.
      String cdfs = "arrayPopBack(arrayCumSum({P})), arrayPopBack(arrayCumSum({Q}))";
      scores.add("if(length({P}) = 1, 0, arrayMax(arrayMap((a, b) -> abs(a - b), " + cdfs + ")))");
      scores.add(
          "arraySum(arrayMap((a, b, d) -> abs(a - b) * d, "
              + cdfs
              + ", "
              + floats(centreDistances(reference))
              + "))");
    }
    return scores.stream()
        .map(s -> s.replace("{F}", floor).replace("{P}", p).replace("{Q}", q))
        .collect(Collectors.joining(", "));
  }

  /**
   * The distance between the centres of neighbouring bins, the outer bins bounded by the
   * reference's least and greatest values.
   */
  static List<Double> centreDistances(DriftHistogram h) {
    List<Double> bounds = new ArrayList<>();
    bounds.add(Math.min(h.min(), h.edges().isEmpty() ? h.min() : h.edges().getFirst()));
    bounds.addAll(h.edges());
    bounds.add(Math.max(h.max(), h.edges().isEmpty() ? h.max() : h.edges().getLast()));
    List<Double> distances = new ArrayList<>();
    for (int i = 0; i + 2 < bounds.size(); i++) {
      double centre = (bounds.get(i) + bounds.get(i + 1)) / 2;
      double next = (bounds.get(i + 1) + bounds.get(i + 2)) / 2;
      distances.add(next - centre);
    }
    return distances;
  }

  /**
   * {@code function} of {@code argument} over the calls that have the value: its -If form unless
   * every call has it (a condition that is always true still costs its evaluation on every row).
   */
  private static String aggregate(String function, String parameters, String argument, Value v) {
    return v.present.equals("1")
        ? function + parameters + "(" + argument + ")"
        : function + "If" + parameters + "(" + argument + ", " + v.present + ")";
  }

  /**
   * The bin of a numeric value: the number of edges at or below it, as comparisons (much faster
   * than a lambda over the edges for each row).
   */
  private static String numericBin(String value, List<Double> edges) {
    if (edges.isEmpty()) {
      return "0";
    }
    StringBuilder sql = new StringBuilder("multiIf(");
    for (int i = 0; i < edges.size(); i++) {
      sql.append(value).append(" < ").append(edges.get(i)).append(", ").append(i).append(", ");
    }
    return sql.append(edges.size()).append(")").toString();
  }

  /** The bin of a categorical value: its category's index, or the last bin for any other. */
  private static String categoricalBin(
      Value value, List<String> categories, List<Object> parameters) {
    if (categories.isEmpty()) {
      return "0";
    }
    parameters.add(categories);
    String indexes =
        IntStream.range(0, categories.size())
            .mapToObj(Integer::toString)
            .collect(Collectors.joining(", ", "[", "]"));
    return "transform("
        + value.expression
        + ", "
        + value.categories
        + ", "
        + indexes
        + ", "
        + categories.size()
        + ")";
  }

  /**
   * A feature's value and whether a call has it, as SQL, and how bound categories (strings) become
   * the value's type.
   */
  private record Value(String expression, String present, String categories) {
    Value(String expression) {
      this(expression, "1", "?");
    }
  }

  /** A feature's value as SQL over {@code api_calls}, in its own type. */
  static String expression(DriftFeature feature) {
    return value(feature).expression;
  }

  private static Value value(DriftFeature feature) {
    return switch (feature.kind()) {
      case LATENCY -> new Value("latency_us / 1000");
      case STATUS_CODE -> new Value("status_code", "1", "CAST(? AS Array(UInt16))");
      case ROUTE -> new Value("route");
      case METHOD -> new Value("method");
      case CUSTOMER -> new Value("customer_id");
      case PLAN -> new Value("plan");
      case NUMBER_FIELD -> field("number_fields", feature.field());
      case STRING_FIELD -> field("string_fields", feature.field());
    };
  }

  /**
   * A field of {@code map}. Its name is written into the SQL, as field names are vetted: only
   * letters, digits and {@code ._-} (checked again here).
   */
  private static Value field(String map, String name) {
    if (!Names.FIELD.matcher(name).matches()) {
      throw new IllegalArgumentException("not a field name: " + name);
    }
    String literal = "'" + name + "'";
    return new Value(map + "[" + literal + "]", "mapContains(" + map + ", " + literal + ")", "?");
  }

  private static Double score(double value) {
    return Double.isFinite(value) ? value : null;
  }

  private static String floats(List<Double> values) {
    return values.stream()
        .map(v -> Double.toString(v))
        .collect(Collectors.joining(", ", "CAST([", "] AS Array(Float64))"));
  }

  private static String longsLiteral(List<Long> values) {
    return values.stream()
        .map(v -> Long.toString(v))
        .collect(Collectors.joining(", ", "CAST([", "] AS Array(UInt64))"));
  }
}
