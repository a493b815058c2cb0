package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** One call by id; the bloom-filter index on {@code id} skips the granules that cannot hold it. */
final class SelectCallById {

  private static final String SQL =
      "SELECT " + CallColumns.SELECT_LIST + " FROM api_calls WHERE id = ? LIMIT 1";

  private final String id;

  SelectCallById(String id) {
    this.id = id;
  }

  Optional<CallRecord> execute(Connection connection) throws SQLException {
    try (PreparedStatement statement = Statements.prepare(connection, SQL)) {
      statement.setString(1, id);
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? Optional.of(CallColumns.read(rs)) : Optional.empty();
      }
    }
  }

  @Override
  public String toString() {
    return "SelectCallById{" + id + "}";
  }
}
