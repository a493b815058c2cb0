package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.WindowProbe;
import io.tapline.server.storage.WindowStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Answers a set of windowed-rule probes of one service with one query: three columns per probe
 * (calls in scope, the measure, sample ids), each with {@code -If} combinators over the rows of the
 * service in the query's window, which the table's (service, timestamp) order reads as one range.
 */
public final class SelectWindowAggregates implements WindowStore {

  /** Sample call ids reported per probe: {@value}. */
  static final int SAMPLES = 5;

  private static final String ERROR = "(" + Where.IS_ERROR + ")";

  private final DataSource dataSource;

  public SelectWindowAggregates(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public List<WindowProbe.Result> measure(
      String service, long startMillis, long endMillis, List<WindowProbe> probes) {
    if (probes.isEmpty()) {
      return List.of();
    }
    StringBuilder sql = new StringBuilder("SELECT ");
    List<Object> parameters = new ArrayList<>();
    for (int i = 0; i < probes.size(); i++) {
      WindowProbe p = probes.get(i);
      if (i > 0) {
        sql.append(", ");
      }
      sql.append("countIf(");
      scope(p, sql, parameters);
      sql.append("), ");
      switch (p.measure()) {
        case COUNT -> {
          sql.append("toFloat64(countIf(");
          scope(p, sql, parameters);
          sql.append("))");
        }
        case ERROR_COUNT -> {
          sql.append("toFloat64(countIf(");
          scope(p, sql, parameters);
          sql.append(" AND ").append(ERROR).append("))");
        }
        case LATENCY_P95, LATENCY_P99 -> {
          // The latency bucket at the quantile, weighted by sampling, as the analytics queries
          // compute it (see Aggregates); turned into microseconds below.
          sql.append(
              p.measure() == WindowProbe.Measure.LATENCY_P95
                  ? "quantileExactWeightedIf(0.95)"
                  : "quantileExactWeightedIf(0.99)");
          sql.append("(latency_bucket, quantile_weight, ");
          scope(p, sql, parameters);
          sql.append(")");
        }
        case STATUS_CLASS_COUNT -> {
          sql.append("toFloat64(countIf(");
          scope(p, sql, parameters);
          sql.append(" AND intDiv(status_code, 100) = ?))");
          parameters.add(p.statusClass());
        }
        case BAD_COUNT -> {
          sql.append("toFloat64(countIf(");
          scope(p, sql, parameters);
          sql.append(" AND ").append(bad(p, parameters)).append("))");
        }
      }
      sql.append(", groupArrayIf(").append(SAMPLES).append(")(id, ");
      scope(p, sql, parameters);
      sql.append(" AND ").append(sampleCondition(p, parameters)).append(")");
    }
    sql.append(
        " FROM api_calls WHERE service = ? AND timestamp >= fromUnixTimestamp64Milli(?, 'UTC')"
            + " AND timestamp < fromUnixTimestamp64Milli(?, 'UTC')");
    parameters.add(service);
    parameters.add(startMillis);
    parameters.add(endMillis);
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = Statements.prepare(connection, sql.toString(), parameters)) {
      List<WindowProbe.Result> results = new ArrayList<>(probes.size());
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("an aggregate query returned no row");
        }
        for (int i = 0; i < probes.size(); i++) {
          long samples = rs.getLong(3 * i + 1);
          double value = rs.getDouble(3 * i + 2);
          if (isQuantile(probes.get(i))) {
            value = samples == 0 ? Double.NaN : Aggregates.latencyOfBucket((long) value);
          }
          results.add(
              new WindowProbe.Result(
                  samples, value, List.of(SqlArrays.strings(rs.getArray(3 * i + 3)))));
        }
      }
      return results;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("windowed aggregates of service " + service, e);
    }
  }

  private static boolean isQuantile(WindowProbe p) {
    return p.measure() == WindowProbe.Measure.LATENCY_P95
        || p.measure() == WindowProbe.Measure.LATENCY_P99;
  }

  /** The probe's scope: its own window start, and the route, customer and plan it names. */
  private static void scope(WindowProbe p, StringBuilder sql, List<Object> parameters) {
    sql.append("(timestamp >= fromUnixTimestamp64Milli(?, 'UTC')");
    parameters.add(p.fromMillis());
    if (!p.route().isEmpty()) {
      sql.append(" AND route = ?");
      parameters.add(p.route());
    }
    if (!p.customerId().isEmpty()) {
      sql.append(" AND customer_id = ?");
      parameters.add(p.customerId());
    }
    if (!p.plan().isEmpty()) {
      sql.append(" AND plan = ?");
      parameters.add(p.plan());
    }
    sql.append(")");
  }

  private static String bad(WindowProbe p, List<Object> parameters) {
    if (p.latencyMicros() <= 0) {
      return ERROR;
    }
    parameters.add(p.latencyMicros());
    return "(" + ERROR + " OR latency_us > ?)";
  }

  /** Which calls are worth showing as samples of the probe. */
  private static String sampleCondition(WindowProbe p, List<Object> parameters) {
    return switch (p.measure()) {
      case COUNT -> "1";
      case ERROR_COUNT -> ERROR;
      case LATENCY_P95, LATENCY_P99 -> {
        parameters.add(p.latencyMicros());
        yield "latency_us > ?";
      }
      case STATUS_CLASS_COUNT -> {
        parameters.add(p.statusClass());
        yield "intDiv(status_code, 100) = ?";
      }
      case BAD_COUNT -> bad(p, parameters);
    };
  }

  @Override
  public String toString() {
    return "SelectWindowAggregates{one query per service and window}";
  }
}
