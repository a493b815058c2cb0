package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.AlertRuleRecord;
import io.tapline.server.storage.AlertRuleStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Alert rules in the {@code alert_rules} ReplacingMergeTree table, read with FINAL. */
public final class ClickHouseAlertRuleStore implements AlertRuleStore {

  private static final String SELECT =
      "SELECT id, service, definition, toUnixTimestamp64Milli(created_at),"
          + " toUnixTimestamp64Milli(updated_at) FROM alert_rules FINAL WHERE deleted = 0";

  private final DataSource dataSource;

  public ClickHouseAlertRuleStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Optional<AlertRuleRecord> get(String id) {
    List<AlertRuleRecord> found = query(SELECT + " AND id = ?", id);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
  }

  @Override
  public List<AlertRuleRecord> list() {
    return query(SELECT + " ORDER BY id", null);
  }

  @Override
  public void put(AlertRuleRecord rule) {
    write(rule, false);
  }

  @Override
  public void delete(String id) {
    write(new AlertRuleRecord(id, "", "", Instant.EPOCH, Instant.now()), true);
  }

  private void write(AlertRuleRecord r, boolean deleted) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            Statements.prepare(
                connection,
                "INSERT INTO alert_rules (id, service, definition, created_at, updated_at,"
                    + " deleted, version) VALUES (?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC'),"
                    + " fromUnixTimestamp64Milli(?, 'UTC'), ?, ?)")) {
      insert.setString(1, r.id());
      insert.setString(2, r.service());
      insert.setString(3, r.definition());
      insert.setLong(4, r.createdAt().toEpochMilli());
      insert.setLong(5, r.updatedAt().toEpochMilli());
      insert.setInt(6, deleted ? 1 : 0);
      insert.setLong(7, Versions.next());
      insert.executeUpdate();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("write of alert rule " + r.id(), e);
    }
  }

  private List<AlertRuleRecord> query(String sql, String parameter) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = Statements.prepare(connection, sql)) {
      if (parameter != null) {
        select.setString(1, parameter);
      }
      List<AlertRuleRecord> rules = new ArrayList<>();
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          rules.add(
              new AlertRuleRecord(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  Instant.ofEpochMilli(rs.getLong(4)),
                  Instant.ofEpochMilli(rs.getLong(5))));
        }
      }
      return rules;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("read of alert rules", e);
    }
  }
}
