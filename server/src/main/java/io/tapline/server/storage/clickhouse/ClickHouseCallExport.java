package io.tapline.server.storage.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.ConnectionImpl;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.CallExport;
import io.tapline.server.storage.RetryLaterException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import javax.sql.DataSource;

/**
 * Exports calls with ClickHouse's own encoders: one {@code SELECT ... WHERE ... ORDER BY service,
 * timestamp} in the requested format, whose response body is handed on as it arrives. Reading in
 * the table's order lets ClickHouse stream without sorting; the bytes are never decoded here.
 */
public final class ClickHouseCallExport implements CallExport {

  /**
   * The export schema (version {@value CallExport#SCHEMA_VERSION}): the stored columns of a call
   * ({@link CallColumns}), in the table's order, but latency in milliseconds as the API gives it.
   */
  static final Map<String, String> SCHEMA = schema();

  private static final List<String> COLUMNS = List.copyOf(SCHEMA.keySet());

  /** The client's buffer for the response: large, since it is read straight through. */
  private static final int READ_BUFFER_BYTES = 1 << 20;

  private final DataSource exports;
  private final String database;

  /**
   * @param exports the pool of exports: client queries' limits, the export time limit
   */
  public ClickHouseCallExport(DataSource exports, String database) {
    this.exports = exports;
    this.database = database;
  }

  private static Map<String, String> schema() {
    Map<String, String> schema = new LinkedHashMap<>();
    for (CallColumns.Column column : CallColumns.COLUMNS) {
      if (column.name().equals("latency_us")) {
        schema.put("latency_ms", "latency_us / 1000");
      } else {
        schema.put(column.name(), column.name());
      }
    }
    return schema;
  }

  /** The SELECT list of {@code columns} (all when empty), as exports use it. */
  public static String selectList(List<String> columns) {
    List<String> select = new ArrayList<>();
    for (String name : columns.isEmpty() ? COLUMNS : columns) {
      String expression = SCHEMA.get(name);
      if (expression == null) {
        throw new IllegalArgumentException("no column '" + name + "' in the export schema");
      }
      select.add(expression.equals(name) ? name : expression + " AS " + name);
    }
    return String.join(", ", select);
  }

  @Override
  public List<String> columns() {
    return COLUMNS;
  }

  @Override
  public InputStream open(
      CallCriteria criteria, Format format, List<String> columns, boolean withLabels) {
    Select select = select(criteria, columns, withLabels);
    Map<String, Object> parameters = new HashMap<>();
    String sql = ServerParameters.bind(select.sql(), select.parameters(), parameters);
    QuerySettings settings =
        new QuerySettings()
            .setDatabase(database)
            .setFormat(clickHouseFormat(format))
            // The client going away (a download cancelled) stops the query.
            .serverSetting("cancel_http_readonly_queries_on_client_close", "1")
            // The file is compressed as it should be; no second compression on the wire.
            .setOption("compress", false)
            .setReadBufferSize(READ_BUFFER_BYTES);
    Connection connection = null;
    try {
      connection = exports.getConnection();
      Client client = connection.unwrap(ConnectionImpl.class).getClient();
      QueryResponse response = client.query(sql, parameters, settings).get();
      return new Export(response, connection);
    } catch (SQLException | ExecutionException e) {
      close(connection);
      throw RetryLaterException.unavailable("ClickHouse could not export: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      close(connection);
      Thread.currentThread().interrupt();
      throw RetryLaterException.unavailable("the export was interrupted", e);
    }
  }

  /** A statement with {@code ?} placeholders, and their values in order. */
  private record Select(String sql, List<Object> parameters) {}

  /**
   * How ClickHouse writes the files, wherever they go: Parquet compressed with zstd, in row groups
   * of at most 64 MiB (the engine holds one while it writes it).
   */
  private static final String FILE_SETTINGS =
      " SETTINGS output_format_parquet_compression_method = 'zstd',"
          + " output_format_parquet_row_group_size_bytes = "
          + (64 << 20);

  /** The SELECT of an export, ending with its {@link #FILE_SETTINGS}. */
  private static Select select(CallCriteria criteria, List<String> columns, boolean withLabels) {
    String select = selectList(columns);
    Where where = Where.of(criteria);
    List<Object> parameters = new ArrayList<>();
    String join = "";
    if (withLabels) {
      // Each call's latest labels, joined by service and id; calls without any get an empty map.
      // GLOBAL: in a cluster, labels are on the node Tapline reads through only.
      boolean byService = !criteria.service().isEmpty();
      join =
          " GLOBAL LEFT JOIN "
              + ClickHouseLabelStore.latestByCall(byService)
              + " AS l ON service = l_service AND id = l_call_id";
      if (byService) {
        parameters.add(criteria.service());
      }
      select += ", " + LABELS;
    }
    parameters.addAll(where.parameters);
    return new Select(
        "SELECT "
            + select
            + " FROM "
            + ClickHouseCallWriter.TABLE
            + join
            + " WHERE "
            + where.sql
            + " ORDER BY service, timestamp"
            + FILE_SETTINGS,
        parameters);
  }

  @Override
  public void copyTo(
      S3Object target,
      CallCriteria criteria,
      Format format,
      List<String> columns,
      boolean withLabels) {
    Select select = select(criteria, columns, withLabels);
    List<Object> parameters = new ArrayList<>(s3Parameters(target));
    parameters.addAll(select.parameters());
    write(
        "INSERT INTO FUNCTION "
            + s3Function(target, clickHouseFormat(format).name())
            + " "
            + select.sql()
            + ", s3_truncate_on_insert = 1",
        parameters,
        target);
  }

  @Override
  public void put(S3Object target, String content) {
    List<Object> parameters = new ArrayList<>(s3Parameters(target));
    parameters.add(content);
    write(
        "INSERT INTO FUNCTION "
            + s3Function(target, "RawBLOB")
            + " SELECT ? SETTINGS s3_truncate_on_insert = 1",
        parameters,
        target);
  }

  /** The s3 table function writing {@code format}: with the credentials when there are some. */
  private static String s3Function(S3Object target, String format) {
    return target.accessKeyId().isEmpty()
        ? "s3(?, NOSIGN, '" + format + "')"
        : "s3(?, ?, ?, '" + format + "')";
  }

  private static List<Object> s3Parameters(S3Object target) {
    return target.accessKeyId().isEmpty()
        ? List.of(target.url())
        : List.of(target.url(), target.accessKeyId(), target.secretAccessKey());
  }

  private void write(String sql, List<Object> parameters, S3Object target) {
    try (Connection connection = exports.getConnection();
        java.sql.PreparedStatement insert = Statements.prepare(connection, sql, parameters)) {
      insert.executeUpdate();
    } catch (SQLException e) {
      // The message may hold the URL, never the credentials (bound values are not echoed).
      throw RetryLaterException.unavailable(
          "ClickHouse could not write " + target.url() + ": " + e.getMessage(), e);
    }
  }

  private static ClickHouseFormat clickHouseFormat(Format format) {
    return switch (format) {
      case PARQUET -> ClickHouseFormat.Parquet;
      case CSV -> ClickHouseFormat.CSVWithNames;
      case JSON_LINES -> ClickHouseFormat.JSONEachRow;
    };
  }

  private static void close(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // Already broken: the pool replaces it.
      }
    }
  }

  /** The response body; closing it ends the query and gives the connection back. */
  private static final class Export extends FilterInputStream {
    private final QueryResponse response;
    private final Connection connection;

    Export(QueryResponse response, Connection connection) {
      super(response.getInputStream());
      this.response = response;
      this.connection = connection;
    }

    @Override
    public void close() throws IOException {
      try {
        response.close();
      } catch (Exception e) {
        throw new IOException(e);
      } finally {
        ClickHouseCallExport.close(connection);
      }
    }
  }
}
