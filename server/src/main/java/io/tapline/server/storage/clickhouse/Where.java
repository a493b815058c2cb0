package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.FieldCondition;
import io.tapline.server.storage.LabelCondition;
import io.tapline.server.storage.Micros;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A WHERE clause over {@code api_calls} for {@link CallCriteria}: SQL text made only of column
 * names and placeholders, and the values to bind, in order.
 */
final class Where {

  /** Times are bound as microseconds since the epoch, so no time zone is involved. */
  static final String TIME = "fromUnixTimestamp64Micro(?, 'UTC')";

  /**
   * A call is an error when its status is 5xx or it carries an error message: the column {@code
   * is_error} of {@code api_calls} and of the counts rollup.
   */
  static final String IS_ERROR = "is_error = 1";

  final String sql;
  final List<Object> parameters;

  private Where(String sql, List<Object> parameters) {
    this.sql = sql;
    this.parameters = List.copyOf(parameters);
  }

  /** The clause for {@code c} over {@code api_calls} or a rollup holding the columns it names. */
  static Where of(CallCriteria c) {
    Where key = sortKey(c);
    Where rest = filter(c);
    List<Object> parameters = new ArrayList<>(key.parameters);
    parameters.addAll(rest.parameters);
    return new Where(key.sql + " AND " + rest.sql, parameters);
  }

  /** The part of {@link #of} on the sort key: service and time range. */
  static Where sortKey(CallCriteria c) {
    StringBuilder where = new StringBuilder("1");
    List<Object> parameters = new ArrayList<>();
    equal(where, parameters, "service", c.service());
    if (c.startTime() != null) {
      where.append(" AND timestamp >= " + TIME);
      parameters.add(Micros.of(c.startTime()));
    }
    if (c.endTime() != null) {
      where.append(" AND timestamp < " + TIME);
      parameters.add(Micros.of(c.endTime()));
    }
    return new Where(where.toString(), parameters);
  }

  /** The part of {@link #of} on other columns: "1" when there is none. */
  static Where filter(CallCriteria c) {
    StringBuilder where = new StringBuilder("1");
    List<Object> parameters = new ArrayList<>();
    if (c.statusCode() != 0) {
      where.append(" AND status_code = ?");
      parameters.add(c.statusCode());
    }
    equal(where, parameters, "method", c.method());
    equal(where, parameters, "route", c.route());
    if (!c.pathPrefix().isEmpty()) {
      where.append(" AND startsWith(path, ?)");
      parameters.add(c.pathPrefix());
    }
    if (!c.pathContains().isEmpty()) {
      where.append(" AND path LIKE ?");
      parameters.add(containsPattern(c.pathContains()));
    }
    if (!c.statusClasses().isEmpty()) {
      List<Integer> classes = c.statusClasses().stream().sorted().toList();
      where
          .append(" AND intDiv(status_code, 100) IN (")
          .append(classes.stream().map(x -> "?").collect(Collectors.joining(", ")))
          .append(")");
      parameters.addAll(classes);
    }
    if (c.minLatencyMicros() != null) {
      where.append(" AND latency_us >= ?");
      parameters.add(c.minLatencyMicros());
    }
    if (c.maxLatencyMicros() != null) {
      where.append(" AND latency_us <= ?");
      parameters.add(c.maxLatencyMicros());
    }
    if (c.hasError() != null) {
      where.append(c.hasError() ? " AND " : " AND NOT ").append("(").append(IS_ERROR).append(")");
    }
    for (Map.Entry<String, String> tag : new TreeMap<>(c.tags()).entrySet()) {
      where.append(" AND mapContains(tags, ?) AND tags[?] = ?");
      parameters.add(tag.getKey());
      parameters.add(tag.getKey());
      parameters.add(tag.getValue());
    }
    equal(where, parameters, "customer_id", c.customerId());
    equal(where, parameters, "plan", c.plan());
    equal(where, parameters, "source_ip", c.sourceIp());
    equal(where, parameters, "api_key_id", c.apiKeyId());
    equal(where, parameters, "trace_id", c.traceId());
    for (FieldCondition field : c.fields()) {
      field(where, parameters, field);
    }
    for (LabelCondition label : c.labels()) {
      label(where, parameters, label, c.service());
    }
    if (!c.text().isEmpty()) {
      String pattern = containsPattern(c.text());
      where.append(" AND (url LIKE ? OR request_body LIKE ? OR response_body LIKE ?)");
      parameters.add(pattern);
      parameters.add(pattern);
      parameters.add(pattern);
    }
    return new Where(where.toString(), parameters);
  }

  private static void field(StringBuilder where, List<Object> parameters, FieldCondition field) {
    String map = field.numeric() ? "number_fields" : "string_fields";
    where.append(" AND mapContains(").append(map).append(", ?)");
    parameters.add(field.name());
    if (field.equals() != null) {
      where.append(" AND string_fields[?] = ?");
      parameters.add(field.name());
      parameters.add(field.equals());
    }
    if (field.min() != null) {
      where.append(" AND number_fields[?] >= ?");
      parameters.add(field.name());
      parameters.add(field.min());
    }
    if (field.max() != null) {
      where.append(" AND number_fields[?] <= ?");
      parameters.add(field.name());
      parameters.add(field.max());
    }
  }

  /**
   * The calls whose latest value of a label is the one wanted (or that have it, or lack it): the
   * latest by label time, then by arrival. GLOBAL: in a cluster, labels are on the node Tapline
   * reads through only, so the set is made there and sent to the shards.
   */
  private static void label(
      StringBuilder where, List<Object> parameters, LabelCondition label, String service) {
    where
        .append(
            label.missing() ? " AND (service, id) GLOBAL NOT IN" : " AND (service, id) GLOBAL IN")
        .append(" (SELECT service, call_id FROM ")
        .append(ClickHouseLabelStore.TABLE)
        .append(" WHERE name = ?");
    parameters.add(label.name());
    if (!service.isEmpty()) {
      where.append(" AND service = ?");
      parameters.add(service);
    }
    where.append(" GROUP BY service, call_id");
    if (label.value() != null) {
      where.append(" HAVING ").append(ClickHouseLabelStore.LATEST).append(" = ?");
      parameters.add(label.value());
    }
    where.append(")");
  }

  private static void equal(
      StringBuilder where, List<Object> parameters, String column, String value) {
    if (!value.isEmpty()) {
      where.append(" AND ").append(column).append(" = ?");
      parameters.add(value);
    }
  }

  /** A LIKE pattern matching {@code text} anywhere, with LIKE's own characters escaped. */
  static String containsPattern(String text) {
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
  }
}
