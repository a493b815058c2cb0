package io.tapline.server.storage.clickhouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * A metadata table on {@code ReplacingMergeTree(version)}: a write is a new row with a higher
 * version, a deletion a row with {@code deleted = 1}, and reads use FINAL so they see the latest
 * row per key. Metadata is small and read through caches, so FINAL's cost does not matter. The
 * metadata stores are such tables, each naming its columns.
 */
class ReplacingTable<T> {

  /** Reads one row; the columns are those of {@code selectColumns}, in order. */
  interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Binds a value to the insert's parameters 1..n, in the order of {@code insertColumns}. */
  interface RowBinder<T> {
    void bind(PreparedStatement insert, T value) throws SQLException;
  }

  private final DataSource dataSource;
  private final String table;
  private final String keyColumn;
  private final String select;
  private final String insert;
  private final boolean softDelete;
  private final RowReader<T> reader;
  private final RowBinder<T> binder;
  private final int boundColumns;

  /**
   * @param selectColumns column expressions read by {@code reader}
   * @param insertColumns columns bound by {@code binder}; {@code version} is appended
   * @param insertValues the VALUES placeholders for {@code insertColumns} (expressions allowed)
   * @param softDelete whether the table has a {@code deleted} column
   */
  ReplacingTable(
      DataSource dataSource,
      String table,
      String keyColumn,
      String selectColumns,
      String insertColumns,
      String insertValues,
      boolean softDelete,
      RowReader<T> reader,
      RowBinder<T> binder) {
    this.dataSource = dataSource;
    this.table = table;
    this.keyColumn = keyColumn;
    this.softDelete = softDelete;
    this.reader = reader;
    this.binder = binder;
    this.select =
        "SELECT "
            + selectColumns
            + " FROM "
            + table
            + " FINAL WHERE "
            + (softDelete ? "deleted = 0" : "1");
    this.insert =
        "INSERT INTO "
            + table
            + " ("
            + insertColumns
            + ", version) VALUES ("
            + insertValues
            + ", ?)";
    this.boundColumns = insertValues.split("\\?", -1).length - 1;
  }

  public Optional<T> get(String key) {
    List<T> rows = query(select + " AND " + keyColumn + " = ?", key, reader);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
  }

  public List<T> list() {
    return query(select + " ORDER BY " + keyColumn, null, reader);
  }

  /** The key of every row. */
  Set<String> keys() {
    String sql =
        "SELECT DISTINCT "
            + keyColumn
            + " FROM "
            + table
            + (softDelete ? " FINAL WHERE deleted = 0" : "");
    return new HashSet<>(query(sql, null, rs -> rs.getString(1)));
  }

  public void put(T value) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = Statements.prepare(connection, insert)) {
      binder.bind(statement, value);
      statement.setLong(boundColumns + 1, Versions.next());
      statement.executeUpdate();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("write to " + table, e);
    }
  }

  public void delete(String key) {
    if (!softDelete) {
      throw new UnsupportedOperationException(table + " rows are not deleted");
    }
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            Statements.prepare(
                connection,
                "INSERT INTO "
                    + table
                    + " ("
                    + keyColumn
                    + ", deleted, version) VALUES (?, 1, ?)")) {
      statement.setString(1, key);
      statement.setLong(2, Versions.next());
      statement.executeUpdate();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("delete from " + table, e);
    }
  }

  private <R> List<R> query(String sql, String parameter, RowReader<R> rowReader) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = Statements.prepare(connection, sql)) {
      if (parameter != null) {
        statement.setString(1, parameter);
      }
      List<R> rows = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          rows.add(rowReader.read(rs));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("read of " + table, e);
    }
  }

  @Override
  public String toString() {
    return "ReplacingTable{" + table + "}";
  }
}
