package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.Micros;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** The columns of {@code api_calls} that make up a {@link CallRecord}, in one order for reads and writes. */
final class CallColumns {

  static final String LIST =
      "timestamp, id, service, method, url, path, route, query_params, request_headers,"
          + " response_headers, request_body, request_body_size, response_body, response_body_size,"
          + " status_code, latency_us, error, source_ip, tags, trace_id, span_id, customer_id,"
          + " api_key_id, plan, sample_rate, request_body_truncated, response_body_truncated";

  static final int COUNT = LIST.split(",").length;

  /**
   * The same columns for SELECT: the timestamp as microseconds since the epoch, because the
   * driver turns DateTime64 values into the JVM's time zone.
   */
  static final String SELECT_LIST =
      LIST.replaceFirst("^timestamp", "toUnixTimestamp64Micro(timestamp)");

  private CallColumns() {}

  private static final DateTimeFormatter UTC_MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

  /**
   * A timestamp as DateTime64(6, 'UTC') text. The driver would format an Instant in the JVM's
   * zone; text is read in the column's zone, so this stays right whatever the JVM zone is.
   */
  static String formatUtc(Instant instant) {
    return UTC_MICROS.format(instant);
  }

  static CallRecord read(ResultSet rs) throws SQLException {
    return new CallRecord(
        rs.getString(2),
        Micros.toInstant(rs.getLong(1)),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        map(rs.getObject(8)),
        map(rs.getObject(9)),
        map(rs.getObject(10)),
        rs.getString(11),
        rs.getLong(12),
        rs.getString(13),
        rs.getLong(14),
        rs.getInt(15),
        rs.getLong(16),
        rs.getString(17),
        rs.getString(18),
        map(rs.getObject(19)),
        rs.getString(20),
        rs.getString(21),
        rs.getString(22),
        rs.getString(23),
        rs.getString(24),
        rs.getDouble(25),
        rs.getBoolean(26),
        rs.getBoolean(27));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> map(Object value) {
    return value == null ? Map.of() : (Map<String, String>) value;
  }
}
