package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CustomerRecord;
import io.tapline.server.storage.CustomerStore;
import java.time.Instant;
import javax.sql.DataSource;

/** Customers in the {@code customers} table. */
public final class ClickHouseCustomerStore extends ReplacingTable<CustomerRecord>
    implements CustomerStore {

  public ClickHouseCustomerStore(DataSource dataSource) {
    super(
        dataSource,
        "customers",
        "id",
        "id, name, plan, toUnixTimestamp64Milli(created_at)",
        "id, name, plan, created_at",
        "?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC')",
        true,
        rs ->
            new CustomerRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                Instant.ofEpochMilli(rs.getLong(4))),
        (insert, c) -> {
          insert.setString(1, c.id());
          insert.setString(2, c.name());
          insert.setString(3, c.plan());
          insert.setLong(4, c.createdAt().toEpochMilli());
        });
  }
}
