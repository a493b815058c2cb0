package io.tapline.server.storage;

import io.tapline.server.storage.clickhouse.ClickHouseCallStore;
import io.tapline.server.storage.clickhouse.ClickHouseCallWriter;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.testing.SharedClickHouse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on the embedded engine. */
class EmbeddedCallStorageIT extends CallStorageContract {

  private static ClickHouseStorage storage;

  @BeforeAll
  static void open() {
    storage =
        SharedClickHouse.openStorage(EmbeddedCallStorageIT.class, 2);
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  @Override
  protected CallWriter writer() {
    return new ClickHouseCallWriter(storage.dataSource(), storage.database());
  }

  @Override
  protected CallStore store() {
    return new ClickHouseCallStore(storage.dataSource());
  }
}
