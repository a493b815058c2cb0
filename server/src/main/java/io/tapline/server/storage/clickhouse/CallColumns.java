package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;

/** The columns of {@code api_calls} that make up a {@link CallRecord}, in one order for reads and writes. */
final class CallColumns {

  static final String LIST =
      "timestamp, id, service, method, url, path, route, query_params, request_headers,"
          + " response_headers, request_body, request_body_size, response_body, response_body_size,"
          + " status_code, latency_us, error, source_ip, tags, trace_id, span_id, customer_id,"
          + " api_key_id";

  static final int COUNT = LIST.split(",").length;

  private CallColumns() {}

  static CallRecord read(ResultSet rs) throws SQLException {
    return new CallRecord(
        rs.getString(2),
        instant(rs.getObject(1)),
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
        rs.getString(23));
  }

  /** DateTime64 columns come back as one of several java.time types, depending on the driver. */
  static Instant instant(Object value) {
    return switch (value) {
      case Instant instant -> instant;
      case ZonedDateTime zoned -> zoned.toInstant();
      case OffsetDateTime offset -> offset.toInstant();
      case LocalDateTime local -> local.toInstant(ZoneOffset.UTC);
      case java.sql.Timestamp timestamp -> timestamp.toInstant();
      default -> throw new IllegalStateException("Unexpected timestamp type " + value.getClass());
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> map(Object value) {
    return value == null ? Map.of() : (Map<String, String>) value;
  }
}
