package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.FieldRule;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/** Services in the {@code services} table. */
public final class ClickHouseServiceStore extends ReplacingTable<ServiceRecord>
    implements ServiceStore {

  public ClickHouseServiceStore(DataSource dataSource) {
    super(
        dataSource,
        "services",
        "name",
        "name, description, base_url, replay_allow_list, retention_days, sensitive_headers,"
            + " otlp_client_spans, otlp_customer_attribute, otlp_plan_attribute, field_rules,"
            + " toUnixTimestamp64Milli(created_at)",
        "name, description, base_url, replay_allow_list, retention_days, sensitive_headers,"
            + " otlp_client_spans, otlp_customer_attribute, otlp_plan_attribute, field_rules,"
            + " created_at",
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC')",
        true,
        rs ->
            new ServiceRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                List.of(SqlArrays.strings(rs.getArray(4))),
                rs.getInt(5),
                List.of(SqlArrays.strings(rs.getArray(6))),
                new ServiceRecord.Otlp(rs.getBoolean(7), rs.getString(8), rs.getString(9)),
                List.of(ClickHouseReplayStore.fromJson(rs.getString(10), FieldRule[].class)),
                Instant.ofEpochMilli(rs.getLong(11))),
        (insert, s) -> {
          insert.setString(1, s.name());
          insert.setString(2, s.description());
          insert.setString(3, s.baseUrl());
          insert.setObject(4, s.replayAllowList());
          insert.setInt(5, s.retentionDays());
          insert.setObject(6, s.sensitiveHeaders());
          insert.setInt(7, s.otlp().clientSpans() ? 1 : 0);
          insert.setString(8, s.otlp().customerAttribute());
          insert.setString(9, s.otlp().planAttribute());
          insert.setString(10, ClickHouseReplayStore.toJson(s.fields()));
          insert.setLong(11, s.createdAt().toEpochMilli());
        });
  }
}
