package io.tapline.server.storage.clickhouse;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Work on one pooled connection, with ClickHouse's failures turned into the storage's. */
final class Connections {

  private Connections() {}

  /** What is done on the connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} on a connection of {@code pool}, then gives the connection back.
   *
   * @param what the work, for the message of a failure
   */
  static <T> T with(DataSource pool, String what, Work<T> work) {
    try (Connection connection = pool.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw ClickHouseStorage.translate(what, e);
    }
  }
}
