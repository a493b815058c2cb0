package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallPage;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Calls matching a {@link CallQuery} in its order, with keyset pagination: a page starts strictly
 * after the previous page's last call in that order, so pages stay correct while calls arrive and
 * no OFFSET is scanned.
 *
 * <p>Two statements: the first finds the page's calls reading only the filtered columns and the
 * sort key; the second reads the wide columns (bodies, headers) of just those calls, by id
 * within their time span. Read in one statement, ClickHouse decompresses the bodies of every
 * granule holding a match, which for a selective filter is nearly a granule per call.
 */
final class SelectCalls {

  private static final String TIME = Where.TIME;

  private final CallQuery query;
  private final String sql;
  private final List<Object> parameters;

  SelectCalls(CallQuery query) {
    this.query = query;
    Where where = Where.of(query.criteria());
    StringBuilder sql =
        new StringBuilder("SELECT toUnixTimestamp64Micro(timestamp), id")
            .append(" FROM api_calls WHERE ").append(where.sql);
    this.parameters = new ArrayList<>(where.parameters);
    CallQuery.Cursor after = query.after();
    switch (query.order()) {
      case NEWEST_FIRST -> {
        if (after != null) {
          // The first condition lets ClickHouse prune parts and granules by the sort key.
          sql.append(" AND timestamp <= " + TIME + " AND (timestamp, id) < (" + TIME + ", ?)");
          parameters.add(Where.micros(after.timestamp()));
          parameters.add(Where.micros(after.timestamp()));
          parameters.add(after.id());
        }
        sql.append(" ORDER BY timestamp DESC, id DESC");
      }
      case OLDEST_FIRST -> {
        if (after != null) {
          sql.append(" AND timestamp >= " + TIME + " AND (timestamp, id) > (" + TIME + ", ?)");
          parameters.add(Where.micros(after.timestamp()));
          parameters.add(Where.micros(after.timestamp()));
          parameters.add(after.id());
        }
        sql.append(" ORDER BY timestamp ASC, id ASC");
      }
      case SLOWEST_FIRST -> {
        if (after != null) {
          sql.append(" AND latency_us <= ? AND (latency_us, timestamp, id) < (?, " + TIME + ", ?)");
          parameters.add(after.latencyMicros());
          parameters.add(after.latencyMicros());
          parameters.add(Where.micros(after.timestamp()));
          parameters.add(after.id());
        }
        sql.append(" ORDER BY latency_us DESC, timestamp DESC, id DESC");
      }
    }
    sql.append(" LIMIT ?");
    parameters.add(query.pageSize() + 1);
    this.sql = sql.toString();
  }

  CallPage execute(Connection connection) throws SQLException {
    List<Key> keys = new ArrayList<>(query.pageSize() + 1);
    try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        keys.add(new Key(rs.getLong(1), rs.getString(2)));
      }
    }
    List<CallRecord> calls = fetch(connection, keys);
    if (calls.size() <= query.pageSize()) {
      return new CallPage(calls, null);
    }
    calls.removeLast();
    CallRecord last = calls.getLast();
    return new CallPage(calls, new CallQuery.Cursor(last.latencyMicros(), last.timestamp(), last.id()));
  }

  private record Key(long micros, String id) {}

  /** The full calls for {@code keys}, in their order. */
  private List<CallRecord> fetch(Connection connection, List<Key> keys) throws SQLException {
    if (keys.isEmpty()) {
      return new ArrayList<>();
    }
    long min = keys.stream().mapToLong(Key::micros).min().orElseThrow();
    long max = keys.stream().mapToLong(Key::micros).max().orElseThrow();
    StringBuilder fetch =
        new StringBuilder("SELECT ").append(CallColumns.SELECT_LIST)
            .append(" FROM api_calls WHERE timestamp >= " + TIME + " AND timestamp <= " + TIME);
    List<Object> values = new ArrayList<>(List.of(min, max));
    if (!query.criteria().service().isEmpty()) {
      fetch.append(" AND service = ?");
      values.add(query.criteria().service());
    }
    fetch.append(" AND id IN (");
    for (int i = 0; i < keys.size(); i++) {
      fetch.append(i == 0 ? "?" : ", ?");
      values.add(keys.get(i).id());
    }
    fetch.append(")");
    Map<Key, CallRecord> found = new HashMap<>();
    try (PreparedStatement statement = Statements.prepare(connection, fetch.toString(), values);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        CallRecord call = CallColumns.read(rs);
        found.putIfAbsent(new Key(Where.micros(call.timestamp()), call.id()), call);
      }
    }
    List<CallRecord> calls = new ArrayList<>(keys.size());
    for (Key key : keys) {
      CallRecord call = found.get(key);
      if (call != null) {
        calls.add(call);
      }
    }
    return calls;
  }

  @Override
  public String toString() {
    return "SelectCalls{" + query + "}";
  }
}
