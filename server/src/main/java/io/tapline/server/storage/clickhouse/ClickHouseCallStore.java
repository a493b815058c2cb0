package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallPage;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/** Reads calls from {@code api_calls}; each query is its own class. */
public final class ClickHouseCallStore implements CallStore {

  private final DataSource dataSource;

  public ClickHouseCallStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public CallPage search(CallQuery query) {
    SelectCalls select = new SelectCalls(query);
    try (Connection connection = dataSource.getConnection()) {
      return select.execute(connection);
    } catch (SQLException e) {
      throw ClickHouseStorage.translate(select.toString(), e);
    }
  }

  @Override
  public Optional<CallRecord> get(String id) {
    SelectCallById select = new SelectCallById(id);
    try (Connection connection = dataSource.getConnection()) {
      return select.execute(connection);
    } catch (SQLException e) {
      throw ClickHouseStorage.translate(select.toString(), e);
    }
  }
}
