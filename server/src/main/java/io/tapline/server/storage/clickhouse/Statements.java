package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.QueryScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The one place statements are made. Every statement has JDBC escape processing turned off: the
 * driver substitutes bound values into the SQL text on the client, and with escape processing on it
 * then rewrote escape sequences inside those values too ({@code a{fn b} c} was stored as {@code ab
 * c}). Our SQL has no JDBC escapes, so nothing is lost; values are stored byte for byte.
 *
 * <p>Every statement is registered with the thread's {@link QueryScope}, so that a cancelled
 * request kills its query ({@code Statement.cancel} sends {@code KILL QUERY} for it).
 */
final class Statements {

  private Statements() {}

  /** A prepared statement for {@code sql}. */
  static PreparedStatement prepare(Connection connection, String sql) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    statement.setEscapeProcessing(false);
    QueryScope.register(statement::cancel);
    return statement;
  }

  /** A prepared statement with {@code parameters} bound in order. */
  static PreparedStatement prepare(Connection connection, String sql, List<Object> parameters)
      throws SQLException {
    PreparedStatement statement = prepare(connection, sql);
    try {
      for (int i = 0; i < parameters.size(); i++) {
        statement.setObject(i + 1, parameters.get(i));
      }
      return statement;
    } catch (SQLException | RuntimeException e) {
      statement.close();
      throw e;
    }
  }

  /** A plain statement, for SQL without values. */
  static Statement create(Connection connection) throws SQLException {
    Statement statement = connection.createStatement();
    statement.setEscapeProcessing(false);
    QueryScope.register(statement::cancel);
    return statement;
  }
}
