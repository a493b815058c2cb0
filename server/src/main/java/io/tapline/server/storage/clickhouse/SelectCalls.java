package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallPage;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls matching a {@link CallQuery}, newest first, with keyset pagination: a page starts strictly
 * after the previous page's last (timestamp, id), so pages stay correct while calls arrive and no
 * OFFSET is scanned.
 */
final class SelectCalls {

  /** Times are bound as microseconds since the epoch, so no time zone is involved. */
  private static final String TIME = "fromUnixTimestamp64Micro(?, 'UTC')";

  private final CallQuery query;
  private final String sql;
  private final List<Object> parameters = new ArrayList<>();

  SelectCalls(CallQuery query) {
    this.query = query;
    StringBuilder where = new StringBuilder("1");
    if (!query.service().isEmpty()) {
      where.append(" AND service = ?");
      parameters.add(query.service());
    }
    if (query.startTime() != null) {
      where.append(" AND timestamp >= " + TIME);
      parameters.add(micros(query.startTime()));
    }
    if (query.endTime() != null) {
      where.append(" AND timestamp < " + TIME);
      parameters.add(micros(query.endTime()));
    }
    if (query.statusCode() != 0) {
      where.append(" AND status_code = ?");
      parameters.add(query.statusCode());
    }
    if (!query.method().isEmpty()) {
      where.append(" AND method = ?");
      parameters.add(query.method());
    }
    if (!query.route().isEmpty()) {
      where.append(" AND route = ?");
      parameters.add(query.route());
    }
    if (query.after() != null) {
      // The first condition lets ClickHouse prune parts and granules by the sort key.
      where.append(" AND timestamp <= " + TIME + " AND (timestamp < " + TIME + " OR id < ?)");
      parameters.add(micros(query.after().timestamp()));
      parameters.add(micros(query.after().timestamp()));
      parameters.add(query.after().id());
    }
    this.sql =
        "SELECT " + CallColumns.SELECT_LIST + " FROM api_calls WHERE " + where
            + " ORDER BY timestamp DESC, id DESC LIMIT ?";
    parameters.add(query.pageSize() + 1);
  }

  static long micros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }

  CallPage execute(Connection connection) throws SQLException {
    List<CallRecord> calls = new ArrayList<>(query.pageSize() + 1);
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.size(); i++) {
        statement.setObject(i + 1, parameters.get(i));
      }
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          calls.add(CallColumns.read(rs));
        }
      }
    }
    if (calls.size() <= query.pageSize()) {
      return new CallPage(calls, null);
    }
    calls.removeLast();
    CallRecord last = calls.getLast();
    return new CallPage(calls, new CallQuery.Cursor(last.timestamp(), last.id()));
  }

  @Override
  public String toString() {
    return "SelectCalls{" + query + "}";
  }
}
