package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.Micros;
import io.tapline.server.storage.ReplayRecord;
import io.tapline.server.storage.ReplayStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One page of a call's replays, newest first, with keyset pagination on (created_at, id). One row
 * more than the page is read to know whether another page follows.
 */
final class SelectReplays {

  private final String service;
  private final String callId;
  private final int pageSize;
  private final ReplayStore.Cursor after;

  SelectReplays(String service, String callId, int pageSize, ReplayStore.Cursor after) {
    this.service = service;
    this.callId = callId;
    this.pageSize = pageSize;
    this.after = after;
  }

  ReplayStore.Page execute(Connection connection) throws SQLException {
    String sql =
        "SELECT "
            + ClickHouseReplayStore.COLUMNS.replace(
                "created_at,", "toUnixTimestamp64Micro(created_at),")
            + " FROM replays WHERE service = ? AND call_id = ?"
            + (after == null
                ? ""
                : " AND (created_at, id) < (fromUnixTimestamp64Micro(?, 'UTC'), ?)")
            + " ORDER BY created_at DESC, id DESC LIMIT ?";
    try (PreparedStatement select = Statements.prepare(connection, sql)) {
      int i = 1;
      select.setString(i++, service);
      select.setString(i++, callId);
      if (after != null) {
        select.setLong(i++, Micros.of(after.createdAt()));
        select.setString(i++, after.id());
      }
      select.setInt(i, pageSize + 1);
      List<ReplayRecord> replays = new ArrayList<>();
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          replays.add(read(rs));
        }
      }
      if (replays.size() <= pageSize) {
        return new ReplayStore.Page(replays, null);
      }
      replays = replays.subList(0, pageSize);
      ReplayRecord last = replays.getLast();
      return new ReplayStore.Page(replays, new ReplayStore.Cursor(last.createdAt(), last.id()));
    }
  }

  private static ReplayRecord read(ResultSet rs) throws SQLException {
    return new ReplayRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        Micros.toInstant(rs.getLong(4)),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        map(rs.getObject(8)),
        List.of(SqlArrays.strings(rs.getArray(9))),
        List.of(SqlArrays.strings(rs.getArray(10))),
        ClickHouseReplayStore.fromJson(rs.getString(11), ReplayRecord.Overrides.class),
        rs.getBoolean(12),
        List.of(SqlArrays.strings(rs.getArray(13))),
        rs.getInt(14),
        map(rs.getObject(15)),
        rs.getString(16),
        rs.getLong(17),
        rs.getBoolean(18),
        rs.getLong(19),
        rs.getString(20),
        ClickHouseReplayStore.fromJson(rs.getString(21), ReplayRecord.Comparison.class),
        rs.getInt(22));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> map(Object value) {
    return value == null ? Map.of() : (Map<String, String>) value;
  }

  @Override
  public String toString() {
    return "SelectReplays{service="
        + service
        + ", callId="
        + callId
        + ", pageSize="
        + pageSize
        + ", after="
        + after
        + "}";
  }
}
