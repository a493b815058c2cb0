package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.AlertEventFilter;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertEventStore;
import io.tapline.server.storage.WebhookDeliveryRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Alert events in {@code alert_events} and webhook deliveries in {@code alert_deliveries}.
 *
 * <p>An event's id is {@code _block_number * 10000 + _block_offset}. For a (non-replicated)
 * MergeTree, ClickHouse allocates an insert's block number under the lock that makes the new part
 * visible, so a reader that sees id N also sees every smaller id: readers can follow the table by
 * id without missing an event, whichever replica stored it. Each append is one INSERT whose
 * deduplication token is the caller's key, so replicas storing the same transition store it once.
 */
public final class ClickHouseAlertEventStore implements AlertEventStore {

  /** Deduplication keys are embedded in the INSERT's SETTINGS clause, so only these pass. */
  public static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,200}");

  static final long ROWS_PER_BLOCK = 10_000;

  private static final String ID = "(_block_number * " + ROWS_PER_BLOCK + " + _block_offset)";

  private static final String COLUMNS =
      ID
          + ", event_key, rule_id, rule_name, service, severity, kind, value, threshold, window_ms,"
          + " toUnixTimestamp64Milli(window_start), toUnixTimestamp64Milli(window_end),"
          + " toUnixTimestamp64Milli(event_time), sample_call_ids, count, description, origin";

  private final DataSource dataSource;

  /** The SETTINGS clause of each append after its token, and of each read of events. */
  private final String insertSettings;

  private final String readSettings;

  public ClickHouseAlertEventStore(DataSource dataSource) {
    this(dataSource, false);
  }

  /**
   * @param replicated true when {@code alert_events} is replicated by ClickHouse ({@link
   *     Cluster#replicated}). Block numbers then come from Keeper, and a replica may see a part
   *     before one with a smaller number. So each append waits for a majority of replicas ({@code
   *     insert_quorum}) and only after the previous append's quorum ({@code insert_quorum_parallel
   *     = 0}), and reads see every quorum-written part or fail ({@code
   *     select_sequential_consistency}): the ids a reader sees still have no gaps.
   */
  public ClickHouseAlertEventStore(DataSource dataSource, boolean replicated) {
    this.dataSource = dataSource;
    this.insertSettings = replicated ? ", insert_quorum = 'auto', insert_quorum_parallel = 0" : "";
    this.readSettings = replicated ? " SETTINGS select_sequential_consistency = 1" : "";
  }

  @Override
  public long lastId() {
    try (Connection connection = dataSource.getConnection();
        Statement select = Statements.create(connection);
        ResultSet rs =
            select.executeQuery("SELECT max(" + ID + ") FROM alert_events" + readSettings)) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("read of the last alert event id", e);
    }
  }

  @Override
  public void append(String dedupKey, List<AlertEventRecord> events) {
    if (!KEY.matcher(dedupKey).matches()) {
      throw new IllegalArgumentException("Invalid event key: " + dedupKey);
    }
    if (events.isEmpty()) {
      return;
    }
    if (events.size() > MAX_EVENTS_PER_APPEND) {
      throw new IllegalArgumentException("At most " + MAX_EVENTS_PER_APPEND + " events per append");
    }
    String sql =
        "INSERT INTO alert_events (event_key, rule_id, rule_name, service, severity, kind, value,"
            + " threshold, window_ms, window_start, window_end, event_time, sample_call_ids, count,"
            + " description, origin) SETTINGS insert_deduplication_token = '"
            + dedupKey
            + "'"
            + insertSettings
            + " VALUES ("
            + "?, ".repeat(15)
            + "?)";
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert = Statements.prepare(connection, sql)) {
      for (AlertEventRecord e : events) {
        int i = 1;
        insert.setString(i++, e.key());
        insert.setString(i++, e.ruleId());
        insert.setString(i++, e.ruleName());
        insert.setString(i++, e.service());
        insert.setInt(i++, e.severity());
        insert.setInt(i++, e.kind());
        insert.setDouble(i++, e.value());
        insert.setDouble(i++, e.threshold());
        insert.setLong(i++, e.windowMillis());
        // Plain values (UTC text for times) keep the VALUES rows free of expressions, which
        // ClickHouse would otherwise evaluate row by row.
        insert.setString(i++, CallColumns.formatUtc(e.windowStart()));
        insert.setString(i++, CallColumns.formatUtc(e.windowEnd()));
        insert.setString(i++, CallColumns.formatUtc(e.eventTime()));
        insert.setObject(i++, e.sampleCallIds());
        insert.setLong(i++, e.count());
        insert.setString(i++, e.description());
        insert.setString(i, e.origin());
        insert.addBatch();
      }
      insert.executeBatch();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("insert of alert events " + dedupKey, e);
    }
  }

  @Override
  public List<AlertEventRecord> range(
      long afterId, long upToId, AlertEventFilter filter, int limit) {
    List<Object> parameters = new ArrayList<>();
    StringBuilder sql =
        new StringBuilder("SELECT " + COLUMNS + " FROM alert_events WHERE ")
            .append(ID)
            .append(" > ? AND ")
            .append(ID)
            .append(" <= ?");
    parameters.add(afterId);
    parameters.add(upToId);
    where(filter, sql, parameters);
    sql.append(" ORDER BY ").append(ID).append(" LIMIT ").append(limit);
    return query(sql.toString(), parameters);
  }

  @Override
  public List<AlertEventRecord> newest(AlertEventFilter filter, long beforeId, int limit) {
    List<Object> parameters = new ArrayList<>();
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM alert_events WHERE 1");
    if (beforeId > 0) {
      sql.append(" AND ").append(ID).append(" < ?");
      parameters.add(beforeId);
    }
    where(filter, sql, parameters);
    sql.append(" ORDER BY ").append(ID).append(" DESC LIMIT ").append(limit);
    return query(sql.toString(), parameters);
  }

  @Override
  public Map<String, AlertEventRecord> latestOfKinds(
      Collection<String> ruleIds, Collection<Integer> kinds) {
    Map<String, AlertEventRecord> latest = new HashMap<>();
    if (ruleIds.isEmpty()) {
      return latest;
    }
    String sql =
        "SELECT "
            + COLUMNS
            + " FROM alert_events WHERE rule_id IN (SELECT arrayJoin(?))"
            + " AND has(?, kind)"
            + " ORDER BY "
            + ID
            + " DESC LIMIT 1 BY rule_id";
    for (AlertEventRecord e :
        query(
            sql, List.of(List.copyOf(ruleIds), kinds.stream().map(Integer::shortValue).toList()))) {
      latest.put(e.ruleId(), e);
    }
    return latest;
  }

  private static void where(AlertEventFilter filter, StringBuilder sql, List<Object> parameters) {
    if (!filter.service().isEmpty()) {
      sql.append(" AND service = ?");
      parameters.add(filter.service());
    }
    if (!filter.ruleId().isEmpty()) {
      sql.append(" AND rule_id = ?");
      parameters.add(filter.ruleId());
    }
    if (filter.minSeverity() > 0) {
      sql.append(" AND severity >= ?");
      parameters.add(filter.minSeverity());
    }
  }

  private List<AlertEventRecord> query(String sql, List<Object> parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = Statements.prepare(connection, sql + readSettings, parameters)) {
      List<AlertEventRecord> events = new ArrayList<>();
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          events.add(
              new AlertEventRecord(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getInt(6),
                  rs.getInt(7),
                  rs.getDouble(8),
                  rs.getDouble(9),
                  rs.getLong(10),
                  Instant.ofEpochMilli(rs.getLong(11)),
                  Instant.ofEpochMilli(rs.getLong(12)),
                  Instant.ofEpochMilli(rs.getLong(13)),
                  List.of(SqlArrays.strings(rs.getArray(14))),
                  rs.getLong(15),
                  rs.getString(16),
                  rs.getString(17)));
        }
      }
      return events;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("read of alert events", e);
    }
  }

  @Override
  public void logDelivery(WebhookDeliveryRecord d) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            Statements.prepare(
                connection,
                "INSERT INTO alert_deliveries (time, event_id, rule_id, url, attempt, http_status,"
                    + " success, error) VALUES (fromUnixTimestamp64Milli(?, 'UTC'), ?, ?, ?, ?, ?,"
                    + " ?, ?)")) {
      insert.setLong(1, d.time().toEpochMilli());
      insert.setLong(2, d.eventId());
      insert.setString(3, d.ruleId());
      insert.setString(4, d.url());
      insert.setInt(5, d.attempt());
      insert.setInt(6, d.httpStatus());
      insert.setInt(7, d.success() ? 1 : 0);
      insert.setString(8, d.error());
      insert.executeUpdate();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("insert of a webhook delivery", e);
    }
  }

  @Override
  public List<WebhookDeliveryRecord> deliveries(String ruleId, long eventId, int limit) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT toUnixTimestamp64Milli(time), event_id, rule_id, url, attempt, http_status,"
                + " success, error FROM alert_deliveries WHERE 1");
    List<Object> parameters = new ArrayList<>();
    if (!ruleId.isEmpty()) {
      sql.append(" AND rule_id = ?");
      parameters.add(ruleId);
    }
    if (eventId > 0) {
      sql.append(" AND event_id = ?");
      parameters.add(eventId);
    }
    sql.append(" ORDER BY time DESC, attempt DESC LIMIT ").append(limit);
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = Statements.prepare(connection, sql.toString(), parameters)) {
      List<WebhookDeliveryRecord> deliveries = new ArrayList<>();
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          deliveries.add(
              new WebhookDeliveryRecord(
                  Instant.ofEpochMilli(rs.getLong(1)),
                  rs.getLong(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getInt(5),
                  rs.getInt(6),
                  rs.getBoolean(7),
                  rs.getString(8)));
        }
      }
      return deliveries;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("read of webhook deliveries", e);
    }
  }
}
