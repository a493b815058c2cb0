package io.tapline.server.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * DuckDB as the independent reader of the files Tapline writes (Parquet, CSV, JSON Lines): a query
 * on a fresh in-memory database.
 */
public final class DuckDb {

  private DuckDb() {}

  /** Every row of {@code sql}, each value as text. */
  public static List<List<String>> rows(String sql) throws SQLException {
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = duck.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      List<List<String>> rows = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
      return rows;
    }
  }

  /** The number in the first column of the first row of {@code sql}: a count, say. */
  public static long number(String sql) throws SQLException {
    return Long.parseLong(rows(sql).getFirst().getFirst());
  }
}
