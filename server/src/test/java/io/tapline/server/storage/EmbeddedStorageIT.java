package io.tapline.server.storage;

import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.testing.SharedClickHouse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every storage contract ({@link StorageContracts}) on the embedded engine, in one database of the
 * shared engine.
 */
class EmbeddedStorageIT extends StorageContracts {

  private static ClickHouseStorage storage;
  private static CallSink sink;

  @BeforeAll
  static void open() {
    storage = SharedClickHouse.openStorage(EmbeddedStorageIT.class, 2);
    sink = TestSinks.on(storage);
  }

  @AfterAll
  static void close() {
    sink.close();
    storage.close();
  }

  @Override
  ClickHouseStorage backend() {
    return storage;
  }

  @Override
  CallSink backendSink() {
    return sink;
  }
}
