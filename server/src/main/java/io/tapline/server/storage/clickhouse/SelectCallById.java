package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The calls of an id, one per service (in one service when given); the bloom-filter index on {@code
 * id} skips the granules that cannot hold it.
 */
final class SelectCallById {

  private static final String SQL =
      "SELECT " + CallColumns.SELECT_LIST + " FROM api_calls WHERE id = ?";
  private static final String ORDER = " ORDER BY timestamp DESC LIMIT 1 BY service LIMIT 10";

  private final String id;
  private final String service;

  SelectCallById(String id, String service) {
    this.id = id;
    this.service = service;
  }

  List<CallRecord> execute(Connection connection) throws SQLException {
    String sql = SQL + (service.isEmpty() ? "" : " AND service = ?") + ORDER;
    try (PreparedStatement statement = Statements.prepare(connection, sql)) {
      statement.setString(1, id);
      if (!service.isEmpty()) {
        statement.setString(2, service);
      }
      List<CallRecord> calls = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          calls.add(CallColumns.read(rs));
        }
      }
      return calls;
    }
  }

  @Override
  public String toString() {
    return "SelectCallById{" + (service.isEmpty() ? "" : service + "/") + id + "}";
  }
}
