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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.sql.DataSource;

/** Reads and aggregates calls from {@code api_calls}; each query is its own class. */
public final class ClickHouseCallStore implements CallStore {

  /**
   * The tables with rows of calls by service: {@code api_calls} and the rollups its materialized
   * views fill, the ones the queries read ({@link Scan}).
   */
  static final List<String> TABLES_BY_SERVICE =
      Stream.concat(Stream.of(ClickHouseCallWriter.TABLE), Scan.rollupTables().stream()).toList();

  private final DataSource dataSource;
  private final boolean rollups;
  private final List<DataSource> nodes;

  /** A store whose aggregate queries read the rollup when it can answer them. */
  public ClickHouseCallStore(DataSource dataSource) {
    this(dataSource, true);
  }

  /**
   * @param rollups false to read only {@code api_calls}, for comparing the two paths
   */
  public ClickHouseCallStore(DataSource dataSource, boolean rollups) {
    this(dataSource, rollups, List.of());
  }

  /**
   * A store on a cluster: reads through {@code dataSource}'s Distributed tables, deletes on every
   * node's own tables ({@code nodes}: a Distributed table takes no DELETE).
   */
  public ClickHouseCallStore(DataSource dataSource, List<DataSource> nodes) {
    this(dataSource, true, nodes);
  }

  private ClickHouseCallStore(DataSource dataSource, boolean rollups, List<DataSource> nodes) {
    this.dataSource = dataSource;
    this.rollups = rollups;
    this.nodes = List.copyOf(nodes);
  }

  @Override
  public CallPage search(CallQuery query) {
    SelectCalls whole = new SelectCalls(query);
    return Connections.with(
        dataSource,
        whole.toString(),
        connection -> {
          CallQuery narrowed = rollups ? SearchRange.narrow(query, connection) : query;
          if (narrowed != query) {
            CallPage page = new SelectCalls(narrowed).execute(connection);
            if (page.next() != null) {
              // A full page over the narrowed range is the page of the whole range.
              return page;
            }
          }
          return whole.execute(connection);
        });
  }

  @Override
  public List<CallRecord> withId(String id, String service) {
    SelectCallById select = new SelectCallById(id, service);
    return Connections.with(dataSource, select.toString(), select::execute);
  }

  @Override
  public MetricsResult metrics(MetricsQuery query) {
    SelectMetrics select = new SelectMetrics(query, rollups);
    return Connections.with(dataSource, select.toString(), select::execute);
  }

  @Override
  public BreakdownResult breakdown(BreakdownQuery query) {
    SelectBreakdown select = new SelectBreakdown(query, rollups);
    return Connections.with(dataSource, select.toString(), select::execute);
  }

  @Override
  public TimeSeriesResult timeSeries(TimeSeriesQuery query) {
    SelectTimeSeries select = new SelectTimeSeries(query, rollups);
    return Connections.with(dataSource, select.toString(), select::execute);
  }

  /**
   * Lightweight deletes ({@code DELETE FROM}): the rows are gone from queries when it returns, and
   * from disk after later merges. The rollups are deleted from as well: deleting calls does not
   * reach them.
   */
  @Override
  public long deleteCalls(Set<String> services) {
    if (services.isEmpty()) {
      return 0;
    }
    List<Object> parameters = List.of(List.copyOf(services));
    String where = " WHERE has(?, service)";
    String what = "deletion of the calls of " + services;
    long calls =
        Connections.with(
            dataSource,
            what,
            connection -> {
              try (PreparedStatement count =
                      Statements.prepare(
                          connection,
                          "SELECT count() FROM " + ClickHouseCallWriter.TABLE + where,
                          parameters);
                  ResultSet rs = count.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
              }
            });
    for (DataSource node : nodes.isEmpty() ? List.of(dataSource) : nodes) {
      Connections.with(
          node,
          what,
          connection -> {
            for (String table : TABLES_BY_SERVICE) {
              try (PreparedStatement delete =
                  Statements.prepare(connection, "DELETE FROM " + table + where, parameters)) {
                delete.executeUpdate();
              }
            }
            return null;
          });
    }
    return calls;
  }
}
