package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.PlanRecord;
import io.tapline.server.storage.PlanStore;
import java.time.Instant;
import javax.sql.DataSource;

/** Usage plans in the {@code plans} table. */
public final class ClickHousePlanStore extends ReplacingTable<PlanRecord> implements PlanStore {

  public ClickHousePlanStore(DataSource dataSource) {
    super(
        dataSource,
        "plans",
        "id",
        "id, name, description, rate_limit_per_second, toUnixTimestamp64Milli(created_at)",
        "id, name, description, rate_limit_per_second, created_at",
        "?, ?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC')",
        true,
        rs ->
            new PlanRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getInt(4),
                Instant.ofEpochMilli(rs.getLong(5))),
        (insert, p) -> {
          insert.setString(1, p.id());
          insert.setString(2, p.name());
          insert.setString(3, p.description());
          insert.setInt(4, p.rateLimitPerSecond());
          insert.setLong(5, p.createdAt().toEpochMilli());
        });
  }
}
