package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallPage;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.Micros;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls matching a {@link CallQuery} in its order, with keyset pagination: a page starts strictly
 * after the previous page's last call in that order, so pages stay correct while calls arrive and
 * no OFFSET is scanned.
 */
final class SelectCalls {

  private static final String TIME = Where.TIME;

  private final CallQuery query;
  private final String sql;
  private final List<Object> parameters;

  SelectCalls(CallQuery query) {
    this.query = query;
    // Filters off the sort key go to PREWHERE: ClickHouse reads their columns first and the
    // wide columns only for the granules that hold a match. This is faster than letting
    // ClickHouse choose what to move to PREWHERE itself (figures in bench/README.md, "Figures
    // behind the code").
    Where key = Where.sortKey(query.criteria());
    Where filter = Where.filter(query.criteria());
    StringBuilder sql =
        new StringBuilder("SELECT ").append(CallColumns.SELECT_LIST).append(" FROM api_calls");
    this.parameters = new ArrayList<>();
    if (!filter.sql.equals("1")) {
      sql.append(" PREWHERE ").append(filter.sql);
      parameters.addAll(filter.parameters);
    }
    sql.append(" WHERE ").append(key.sql);
    parameters.addAll(key.parameters);
    CallQuery.Cursor after = query.after();
    switch (query.order()) {
      case NEWEST_FIRST -> {
        if (after != null) {
          // The first condition lets ClickHouse prune parts and granules by the sort key.
          sql.append(" AND timestamp <= " + TIME + " AND (timestamp, id) < (" + TIME + ", ?)");
          parameters.add(Micros.of(after.timestamp()));
          parameters.add(Micros.of(after.timestamp()));
          parameters.add(after.id());
        }
        sql.append(" ORDER BY timestamp DESC, id DESC");
      }
      case OLDEST_FIRST -> {
        if (after != null) {
          sql.append(" AND timestamp >= " + TIME + " AND (timestamp, id) > (" + TIME + ", ?)");
          parameters.add(Micros.of(after.timestamp()));
          parameters.add(Micros.of(after.timestamp()));
          parameters.add(after.id());
        }
        sql.append(" ORDER BY timestamp ASC, id ASC");
      }
      case SLOWEST_FIRST -> {
        if (after != null) {
          sql.append(" AND latency_us <= ? AND (latency_us, timestamp, id) < (?, " + TIME + ", ?)");
          parameters.add(after.latencyMicros());
          parameters.add(after.latencyMicros());
          parameters.add(Micros.of(after.timestamp()));
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
    List<CallRecord> calls = new ArrayList<>(query.pageSize() + 1);
    try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        calls.add(CallColumns.read(rs));
      }
    }
    if (calls.size() <= query.pageSize()) {
      return new CallPage(calls, null);
    }
    calls.removeLast();
    CallRecord last = calls.getLast();
    return new CallPage(
        calls, new CallQuery.Cursor(last.latencyMicros(), last.timestamp(), last.id()));
  }

  @Override
  public String toString() {
    return "SelectCalls{" + query + "}";
  }
}
