package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.AlertRuleRecord;
import io.tapline.server.storage.AlertRuleStore;
import java.time.Instant;
import javax.sql.DataSource;

/** Alert rules in the {@code alert_rules} table. */
public final class ClickHouseAlertRuleStore extends ReplacingTable<AlertRuleRecord>
    implements AlertRuleStore {

  public ClickHouseAlertRuleStore(DataSource dataSource) {
    super(
        dataSource,
        "alert_rules",
        "id",
        "id, service, definition, toUnixTimestamp64Milli(created_at),"
            + " toUnixTimestamp64Milli(updated_at)",
        "id, service, definition, created_at, updated_at",
        "?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC'), fromUnixTimestamp64Milli(?, 'UTC')",
        true,
        rs ->
            new AlertRuleRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                Instant.ofEpochMilli(rs.getLong(4)),
                Instant.ofEpochMilli(rs.getLong(5))),
        (insert, r) -> {
          insert.setString(1, r.id());
          insert.setString(2, r.service());
          insert.setString(3, r.definition());
          insert.setLong(4, r.createdAt().toEpochMilli());
          insert.setLong(5, r.updatedAt().toEpochMilli());
        });
  }
}
