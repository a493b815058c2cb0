package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.DriftBaselineRecord;
import io.tapline.server.storage.DriftBaselineStore;
import io.tapline.server.storage.DriftHistogram;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/** Drift baselines in the {@code drift_baselines} table. */
public final class ClickHouseDriftBaselineStore extends ReplacingTable<DriftBaselineRecord>
    implements DriftBaselineStore {

  public ClickHouseDriftBaselineStore(DataSource dataSource) {
    super(
        dataSource,
        "drift_baselines",
        "id",
        "service, name, filter, histograms, toUnixTimestamp64Milli(created_at)",
        "id, service, name, filter, histograms, created_at",
        "?, ?, ?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC')",
        true,
        rs ->
            new DriftBaselineRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                List.of(ClickHouseReplayStore.fromJson(rs.getString(4), DriftHistogram[].class)),
                Instant.ofEpochMilli(rs.getLong(5))),
        (insert, b) -> {
          insert.setString(1, b.id());
          insert.setString(2, b.service());
          insert.setString(3, b.name());
          insert.setString(4, b.filter());
          insert.setString(5, ClickHouseReplayStore.toJson(b.histograms()));
          insert.setLong(6, b.createdAt().toEpochMilli());
        });
  }
}
