package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.Micros;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one description of the {@code api_calls} columns that make up a {@link CallRecord}: for each,
 * its name, its ClickHouse type, the record component it holds, how it is written in RowBinary and
 * how it is read back. The INSERT column list, the RowBinary encoder, the SELECT list and the
 * reader of every query that returns calls are derived from it, so adding a column is one entry
 * here (beside its migration and the record's component). The entries follow the table's order, so
 * the engine reads an INSERT's columns as it stores them; {@code CallColumnsIT} checks names and
 * types against the table, and loading this class checks the components against the record.
 */
final class CallColumns {

  /** Writes one column of a call. */
  @FunctionalInterface
  interface Writer {
    void write(RowBinary out, CallRecord call);
  }

  /** Reads one column, selected as {@link Column#select}, at {@code index} of a result set. */
  @FunctionalInterface
  interface Reader {
    Object read(ResultSet rs, int index) throws SQLException;
  }

  /**
   * One column.
   *
   * @param name its name in the table
   * @param type its ClickHouse type, as {@code system.columns} shows it
   * @param component the {@link CallRecord} component it holds
   * @param select how it is selected: the timestamp as microseconds since the epoch, because the
   *     driver turns DateTime64 values into the JVM's time zone
   */
  record Column(
      String name, String type, String component, String select, Writer writer, Reader reader) {}

  private static final String MAP = "Map(LowCardinality(String), String)";
  private static final String LOW_CARDINALITY = "LowCardinality(String)";

  /** The columns of a call, in the table's order. */
  static final List<Column> COLUMNS =
      List.of(
          new Column(
              "timestamp",
              "DateTime64(6, 'UTC')",
              "timestamp",
              "toUnixTimestamp64Micro(timestamp)",
              (out, c) -> out.int64(Micros.of(c.timestamp())),
              (rs, i) -> Micros.toInstant(rs.getLong(i))),
          string("id", "String", "id", (out, c) -> out.string(c.id())),
          string("service", LOW_CARDINALITY, "service", (out, c) -> out.string(c.service())),
          string("method", LOW_CARDINALITY, "method", (out, c) -> out.string(c.method())),
          string("url", "String", "url", (out, c) -> out.string(c.url())),
          string("path", "String", "path", (out, c) -> out.string(c.path())),
          string("route", LOW_CARDINALITY, "route", (out, c) -> out.string(c.route())),
          map("query_params", "queryParams", (out, c) -> out.map(c.queryParams())),
          map("request_headers", "requestHeaders", (out, c) -> out.map(c.requestHeaders())),
          map("response_headers", "responseHeaders", (out, c) -> out.map(c.responseHeaders())),
          string("request_body", "String", "requestBody", (out, c) -> out.string(c.requestBody())),
          uint32(
              "request_body_size", "requestBodySize", (out, c) -> out.uint32(c.requestBodySize())),
          string(
              "response_body", "String", "responseBody", (out, c) -> out.string(c.responseBody())),
          uint32(
              "response_body_size",
              "responseBodySize",
              (out, c) -> out.uint32(c.responseBodySize())),
          new Column(
              "status_code",
              "UInt16",
              "statusCode",
              "status_code",
              (out, c) -> out.uint16(c.statusCode()),
              ResultSet::getInt),
          uint32("latency_us", "latencyMicros", (out, c) -> out.uint32(c.latencyMicros())),
          string("error", "String", "error", (out, c) -> out.string(c.error())),
          string("source_ip", "String", "sourceIp", (out, c) -> out.string(c.sourceIp())),
          map("tags", "tags", (out, c) -> out.map(c.tags())),
          string("trace_id", "String", "traceId", (out, c) -> out.string(c.traceId())),
          string("span_id", "String", "spanId", (out, c) -> out.string(c.spanId())),
          string(
              "customer_id", LOW_CARDINALITY, "customerId", (out, c) -> out.string(c.customerId())),
          string("api_key_id", LOW_CARDINALITY, "apiKeyId", (out, c) -> out.string(c.apiKeyId())),
          string("plan", LOW_CARDINALITY, "plan", (out, c) -> out.string(c.plan())),
          new Column(
              "sample_rate",
              "Float32",
              "sampleRate",
              "sample_rate",
              (out, c) -> out.float32((float) c.sampleRate()),
              ResultSet::getDouble),
          flag(
              "request_body_truncated",
              "requestBodyTruncated",
              (out, c) -> out.uint8(c.requestBodyTruncated() ? 1 : 0)),
          flag(
              "response_body_truncated",
              "responseBodyTruncated",
              (out, c) -> out.uint8(c.responseBodyTruncated() ? 1 : 0)),
          map("string_fields", "stringFields", (out, c) -> out.map(c.stringFields())),
          new Column(
              "number_fields",
              "Map(LowCardinality(String), Float64)",
              "numberFields",
              "number_fields",
              (out, c) -> out.numberMap(c.numberFields()),
              CallColumns::readMap));

  /**
   * Columns every row of a batch has besides the call's: its batch id and its retention, written by
   * {@link #writeRow} after the call's columns.
   */
  static final List<Column> BATCH_COLUMNS =
      List.of(
          new Column("batch_id", "String", "", "batch_id", null, ResultSet::getString),
          new Column("retention_days", "UInt16", "", "retention_days", null, ResultSet::getInt));

  /** The columns an INSERT names, in the order {@link #writeRow} writes them. */
  static final List<String> INSERT =
      Stream.concat(COLUMNS.stream(), BATCH_COLUMNS.stream()).map(Column::name).toList();

  /** The select list of a call, read back by {@link #read}. */
  static final String SELECT_LIST =
      COLUMNS.stream().map(Column::select).collect(Collectors.joining(", "));

  /** Where each column's value goes among the record's components. */
  private static final int[] COMPONENT_INDEX = componentIndexes();

  /** The record's canonical constructor, taking the components' values as one array. */
  private static final MethodHandle CONSTRUCTOR = constructor();

  private CallColumns() {}

  /** One row of a batch in RowBinary: the call's columns, then the batch's. */
  static void writeRow(RowBinary out, CallRecord call, byte[] batchId, int retentionDays) {
    for (Column column : COLUMNS) {
      column.writer().write(out, call);
    }
    out.bytes(batchId);
    out.uint16(retentionDays);
  }

  /** The call in the current row of a result set that selected {@link #SELECT_LIST} first. */
  static CallRecord read(ResultSet rs) throws SQLException {
    Object[] values = new Object[COLUMNS.size()];
    for (int i = 0; i < values.length; i++) {
      values[COMPONENT_INDEX[i]] = COLUMNS.get(i).reader().read(rs, i + 1);
    }
    try {
      return (CallRecord) CONSTRUCTOR.invokeExact(values);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static final DateTimeFormatter UTC_MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

  /**
   * A timestamp as DateTime64(6, 'UTC') text. The driver would format an Instant in the JVM's zone;
   * text is read in the column's zone, so this stays right whatever the JVM zone is.
   */
  static String formatUtc(Instant instant) {
    return UTC_MICROS.format(instant);
  }

  private static Column string(String name, String type, String component, Writer writer) {
    return new Column(name, type, component, name, writer, ResultSet::getString);
  }

  private static Column uint32(String name, String component, Writer writer) {
    return new Column(name, "UInt32", component, name, writer, ResultSet::getLong);
  }

  private static Column flag(String name, String component, Writer writer) {
    return new Column(name, "UInt8", component, name, writer, ResultSet::getBoolean);
  }

  private static Column map(String name, String component, Writer writer) {
    return new Column(name, MAP, component, name, writer, CallColumns::readMap);
  }

  @SuppressWarnings("unchecked")
  private static <V> Map<String, V> readMap(ResultSet rs, int index) throws SQLException {
    Object value = rs.getObject(index);
    return value == null ? Map.of() : (Map<String, V>) value;
  }

  /**
   * For each column, the index of its component in the record; fails unless the columns hold every
   * component once.
   */
  private static int[] componentIndexes() {
    List<String> components =
        Arrays.stream(CallRecord.class.getRecordComponents())
            .map(RecordComponent::getName)
            .toList();
    List<String> described = COLUMNS.stream().map(Column::component).toList();
    if (!new HashSet<>(described).equals(new HashSet<>(components))
        || described.size() != components.size()) {
      throw new IllegalStateException(
          "api_calls columns hold " + described + ", CallRecord has " + components);
    }
    return described.stream().mapToInt(components::indexOf).toArray();
  }

  /** The canonical constructor, taking the components' values as one array. */
  private static MethodHandle constructor() {
    Class<?>[] types =
        Arrays.stream(CallRecord.class.getRecordComponents())
            .map(RecordComponent::getType)
            .toArray(Class[]::new);
    try {
      return MethodHandles.publicLookup()
          .findConstructor(CallRecord.class, MethodType.methodType(void.class, types))
          .asSpreader(Object[].class, types.length)
          .asType(MethodType.methodType(CallRecord.class, Object[].class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
