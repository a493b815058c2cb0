package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.DriftFeature;
import io.tapline.server.storage.LabelRecord;
import io.tapline.server.storage.LabelStore;
import io.tapline.server.storage.Micros;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Labels in the {@code call_labels} table: one row per label sent, the latest by label time (then
 * arrival) a call's value ({@link #LATEST}). Correlations, counts and queues are single statements
 * over {@code api_calls} and the labels. In a cluster, labels are not sharded: they live on the
 * node Tapline reads through, so statements over calls read them with GLOBAL IN and GLOBAL JOIN
 * (made there once, sent to the shards).
 */
public final class ClickHouseLabelStore implements LabelStore {

  static final String TABLE = "call_labels";

  /** A call's value of a label, in a query grouped by call and name. */
  static final String LATEST = "argMax(value, (labelled_at, received_at))";

  /**
   * Each call's latest label values by name, as columns {@code l_service}, {@code l_call_id} and
   * {@code labels} (a map); the placeholder, when {@code byService}, is the service.
   */
  static String latestByCall(boolean byService) {
    return "(SELECT l_service, l_call_id,"
        + " CAST(mapFromArrays(groupArray(l_name), groupArray(l_value)) AS Map(String, String))"
        + " AS labels FROM (SELECT service AS l_service, call_id AS l_call_id,"
        + " toString(name) AS l_name, "
        + LATEST
        + " AS l_value FROM "
        + TABLE
        + (byService ? " WHERE service = ?" : "")
        + " GROUP BY service, call_id, name) GROUP BY l_service, l_call_id)";
  }

  private final DataSource internal;
  private final DataSource queries;

  /**
   * @param internal writes and single-call reads
   * @param queries reads over many calls (counts, queues, correlations): client queries' limits
   */
  public ClickHouseLabelStore(DataSource internal, DataSource queries) {
    this.internal = internal;
    this.queries = queries;
  }

  @Override
  public Map<String, List<String>> resolve(
      String service,
      Correlation correlation,
      String key,
      Collection<String> values,
      Instant from,
      Instant to,
      int limit) {
    List<Object> parameters = new ArrayList<>();
    String value =
        switch (correlation) {
          case TRACE_ID -> "trace_id";
          case REQUEST_HEADER -> {
            parameters.add(key);
            yield "request_headers[?]";
          }
          case FIELD -> {
            parameters.add(key);
            yield "string_fields[?]";
          }
        };
    parameters.addAll(List.of(service, Micros.of(from), Micros.of(to), List.copyOf(values), limit));
    // One statement for every value of a request: one scan, whatever the number of labels.
    String sql =
        "SELECT v, id FROM (SELECT "
            + value
            + " AS v, id FROM "
            + ClickHouseCallWriter.TABLE
            + " WHERE service = ? AND timestamp >= "
            + Where.TIME
            + " AND timestamp < "
            + Where.TIME
            + ") WHERE has(?, v) LIMIT ? BY v";
    return Connections.with(
        queries,
        "the calls of labels",
        connection -> {
          Map<String, List<String>> ids = new HashMap<>();
          try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
              ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              ids.computeIfAbsent(rs.getString(1), v -> new ArrayList<>()).add(rs.getString(2));
            }
          }
          return ids;
        });
  }

  @Override
  public void add(List<LabelRecord> labels) {
    if (labels.isEmpty()) {
      return;
    }
    Connections.with(
        internal,
        "storing labels",
        connection -> {
          try (PreparedStatement insert =
              Statements.prepare(
                  connection,
                  "INSERT INTO "
                      + TABLE
                      + " (service, name, call_id, value, source, labelled_at)"
                      + " VALUES (?, ?, ?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC'))")) {
            for (LabelRecord label : labels) {
              insert.setString(1, label.service());
              insert.setString(2, label.name());
              insert.setString(3, label.callId());
              insert.setString(4, label.value());
              insert.setString(5, label.source());
              insert.setLong(6, label.labelledAt().toEpochMilli());
              insert.addBatch();
            }
            insert.executeBatch();
          }
          return null;
        });
  }

  @Override
  public List<LabelRecord> history(String service, String callId) {
    String sql =
        "SELECT service, call_id, name, value, source, toUnixTimestamp64Milli(labelled_at),"
            + " toUnixTimestamp64Milli(received_at) FROM "
            + TABLE
            + " WHERE service = ? AND call_id = ?"
            + " ORDER BY labelled_at DESC, received_at DESC, name";
    return Connections.with(
        internal,
        "labels of call " + callId,
        connection -> {
          List<LabelRecord> labels = new ArrayList<>();
          try (PreparedStatement statement =
                  Statements.prepare(connection, sql, List.of(service, callId));
              ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              labels.add(
                  new LabelRecord(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      rs.getString(4),
                      rs.getString(5),
                      Instant.ofEpochMilli(rs.getLong(6)),
                      Instant.ofEpochMilli(rs.getLong(7))));
            }
          }
          return labels;
        });
  }

  /**
   * The rows of label {@code name} (of {@code service} when given), as the text after FROM; its
   * values are added to {@code parameters}.
   */
  private static String labelRows(String name, String service, List<Object> parameters) {
    parameters.add(name);
    if (service.isEmpty()) {
      return TABLE + " WHERE name = ?";
    }
    parameters.add(service);
    return TABLE + " WHERE name = ? AND service = ?";
  }

  @Override
  public Map<String, Long> counts(CallCriteria criteria, String name) {
    Where where = Where.of(criteria);
    List<Object> parameters = new ArrayList<>(where.parameters);
    String labelled = labelRows(name, criteria.service(), parameters);
    String sql =
        "SELECT l.has, l.v, count() FROM (SELECT service, id FROM "
            + ClickHouseCallWriter.TABLE
            + " WHERE "
            + where.sql
            + ") AS c GLOBAL LEFT JOIN (SELECT service AS l_service, call_id AS l_call_id, "
            + LATEST
            + " AS v, 1 AS has FROM "
            + labelled
            + " GROUP BY service, call_id) AS l ON c.service = l.l_service AND c.id = l.l_call_id"
            + " GROUP BY l.has, l.v";
    return Connections.with(
        queries,
        "label counts",
        connection -> {
          Map<String, Long> counts = new HashMap<>();
          try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
              ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              counts.merge(rs.getInt(1) == 1 ? rs.getString(2) : null, rs.getLong(3), Long::sum);
            }
          }
          return counts;
        });
  }

  @Override
  public List<Queued> queue(
      CallCriteria criteria,
      String name,
      DriftFeature stratum,
      int perStratum,
      int limit,
      long seed) {
    Where where = Where.of(criteria);
    List<Object> parameters = new ArrayList<>(where.parameters);
    String labelled = labelRows(name, criteria.service(), parameters);
    parameters.add(seed);
    parameters.add(perStratum);
    parameters.add(limit);
    String sql =
        "SELECT "
            + CallColumns.SELECT_LIST
            + ", "
            + (stratum == null
                ? "''"
                : "toString(" + ClickHouseDriftStore.expression(stratum) + ")")
            + " AS stratum FROM "
            + ClickHouseCallWriter.TABLE
            + " WHERE "
            + where.sql
            + " AND (service, id) GLOBAL NOT IN (SELECT service, call_id FROM "
            + labelled
            + ") ORDER BY cityHash64(id, ?) LIMIT ? BY stratum LIMIT ?";
    return Connections.with(
        queries,
        "relabelling queue",
        connection -> {
          List<Queued> queued = new ArrayList<>();
          try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
              ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              queued.add(
                  new Queued(CallColumns.read(rs), rs.getString(CallColumns.COLUMNS.size() + 1)));
            }
          }
          return queued;
        });
  }
}
