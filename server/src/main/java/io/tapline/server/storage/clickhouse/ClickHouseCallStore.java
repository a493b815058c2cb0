package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.BreakdownQuery;
import io.tapline.server.storage.BreakdownResult;
import io.tapline.server.storage.CallPage;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallStore;
import io.tapline.server.storage.MetricsQuery;
import io.tapline.server.storage.MetricsResult;
import io.tapline.server.storage.TimeSeriesQuery;
import io.tapline.server.storage.TimeSeriesResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/** Reads and aggregates calls from {@code api_calls}; each query is its own class. */
public final class ClickHouseCallStore implements CallStore {

  private final DataSource dataSource;
  private final boolean rollups;

  /** A store whose aggregate queries read the rollup when it can answer them. */
  public ClickHouseCallStore(DataSource dataSource) {
    this(dataSource, true);
  }

  /**
   * @param rollups false to read only {@code api_calls}, for comparing the two paths
   */
  public ClickHouseCallStore(DataSource dataSource, boolean rollups) {
    this.dataSource = dataSource;
    this.rollups = rollups;
  }

  @Override
  public CallPage search(CallQuery query) {
    SelectCalls select = new SelectCalls(query);
    return run(select.toString(), select::execute);
  }

  @Override
  public List<CallRecord> withId(String id, String service) {
    SelectCallById select = new SelectCallById(id, service);
    return run(select.toString(), select::execute);
  }

  @Override
  public MetricsResult metrics(MetricsQuery query) {
    SelectMetrics select = new SelectMetrics(query, rollups);
    return run(select.toString(), select::execute);
  }

  @Override
  public BreakdownResult breakdown(BreakdownQuery query) {
    SelectBreakdown select = new SelectBreakdown(query, rollups);
    return run(select.toString(), select::execute);
  }

  @Override
  public TimeSeriesResult timeSeries(TimeSeriesQuery query) {
    SelectTimeSeries select = new SelectTimeSeries(query, rollups);
    return run(select.toString(), select::execute);
  }

  private interface Execution<T> {
    T execute(Connection connection) throws SQLException;
  }

  private <T> T run(String what, Execution<T> execution) {
    try (Connection connection = dataSource.getConnection()) {
      return execution.execute(connection);
    } catch (SQLException e) {
      throw ClickHouseStorage.translate(what, e);
    }
  }
}
