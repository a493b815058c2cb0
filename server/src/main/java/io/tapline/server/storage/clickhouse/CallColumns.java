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
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * The one description of the {@code api_calls} columns that make up a {@link CallRecord}: for each,
 * its name, its ClickHouse type, how it is written in RowBinary and how it is read back. The INSERT
 * column list, the RowBinary encoder, the SELECT list and the reader of every query that returns
 * calls are derived from it, so adding a column is one entry here (beside its migration and the
 * record's component). The entries follow the order of the record's components; {@code
 * CallColumnsIT} checks the names and types against the table.
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
   * @param select how it is selected: the timestamp as microseconds since the epoch, because the
   *     driver turns DateTime64 values into the JVM's time zone
   */
  record Column(String name, String type, String select, Writer writer, Reader reader) {}

  private static final String MAP = "Map(LowCardinality(String), String)";
  private static final String LOW_CARDINALITY = "LowCardinality(String)";

  /** The columns of a call, in the order of {@link CallRecord}'s components. */
  static final List<Column> COLUMNS =
      List.of(
          string("id", "String", CallRecord::id),
          new Column(
              "timestamp",
              "DateTime64(6, 'UTC')",
              "toUnixTimestamp64Micro(timestamp)",
              (out, c) -> out.int64(Micros.of(c.timestamp())),
              (rs, i) -> Micros.toInstant(rs.getLong(i))),
          string("service", LOW_CARDINALITY, CallRecord::service),
          string("method", LOW_CARDINALITY, CallRecord::method),
          string("url", "String", CallRecord::url),
          string("path", "String", CallRecord::path),
          string("route", LOW_CARDINALITY, CallRecord::route),
          map("query_params", CallRecord::queryParams),
          map("request_headers", CallRecord::requestHeaders),
          map("response_headers", CallRecord::responseHeaders),
          string("request_body", "String", CallRecord::requestBody),
          uint32("request_body_size", CallRecord::requestBodySize),
          string("response_body", "String", CallRecord::responseBody),
          uint32("response_body_size", CallRecord::responseBodySize),
          new Column(
              "status_code",
              "UInt16",
              "status_code",
              (out, c) -> out.uint16(c.statusCode()),
              ResultSet::getInt),
          uint32("latency_us", CallRecord::latencyMicros),
          string("error", "String", CallRecord::error),
          string("source_ip", "String", CallRecord::sourceIp),
          map("tags", CallRecord::tags),
          string("trace_id", "String", CallRecord::traceId),
          string("span_id", "String", CallRecord::spanId),
          string("customer_id", LOW_CARDINALITY, CallRecord::customerId),
          string("api_key_id", LOW_CARDINALITY, CallRecord::apiKeyId),
          string("plan", LOW_CARDINALITY, CallRecord::plan),
          new Column(
              "sample_rate",
              "Float32",
              "sample_rate",
              (out, c) -> out.float32((float) c.sampleRate()),
              ResultSet::getDouble),
          flag("request_body_truncated", CallRecord::requestBodyTruncated),
          flag("response_body_truncated", CallRecord::responseBodyTruncated));

  /**
   * Columns every row of a batch has besides the call's: its batch id and its retention, written by
   * {@link #writeRow} after the call's columns.
   */
  static final List<Column> BATCH_COLUMNS =
      List.of(
          new Column("batch_id", "String", "batch_id", null, ResultSet::getString),
          new Column("retention_days", "UInt16", "retention_days", null, ResultSet::getInt));

  /** The columns an INSERT names, in the order {@link #writeRow} writes them. */
  static final List<String> INSERT =
      java.util.stream.Stream.concat(COLUMNS.stream(), BATCH_COLUMNS.stream())
          .map(Column::name)
          .toList();

  /** The select list of a call, read back by {@link #read}. */
  static final String SELECT_LIST =
      COLUMNS.stream().map(Column::select).collect(Collectors.joining(", "));

  /** The record's canonical constructor, taking the columns' values as one array. */
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
      values[i] = COLUMNS.get(i).reader().read(rs, i + 1);
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

  private static Column string(String name, String type, Function<CallRecord, String> value) {
    return new Column(
        name, type, name, (out, c) -> out.string(value.apply(c)), ResultSet::getString);
  }

  private static Column uint32(String name, ToLongFunction<CallRecord> value) {
    return new Column(
        name, "UInt32", name, (out, c) -> out.uint32(value.applyAsLong(c)), ResultSet::getLong);
  }

  private static Column flag(String name, Predicate<CallRecord> value) {
    return new Column(
        name, "UInt8", name, (out, c) -> out.uint8(value.test(c) ? 1 : 0), ResultSet::getBoolean);
  }

  private static Column map(String name, Function<CallRecord, Map<String, String>> value) {
    return new Column(name, MAP, name, (out, c) -> out.map(value.apply(c)), CallColumns::readMap);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> readMap(ResultSet rs, int index) throws SQLException {
    Object value = rs.getObject(index);
    return value == null ? Map.of() : (Map<String, String>) value;
  }

  /** The canonical constructor over an array of the columns' values; checks the count matches. */
  private static MethodHandle constructor() {
    RecordComponent[] components = CallRecord.class.getRecordComponents();
    if (components.length != COLUMNS.size()) {
      throw new IllegalStateException(
          "CallRecord has " + components.length + " components, api_calls " + COLUMNS.size());
    }
    Class<?>[] types =
        Arrays.stream(components).map(RecordComponent::getType).toArray(Class[]::new);
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
