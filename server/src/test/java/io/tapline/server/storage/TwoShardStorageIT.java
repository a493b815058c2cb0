package io.tapline.server.storage;

import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.testing.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every storage contract ({@link StorageContracts}) on a cluster of 2 shards × 1 replica of
 * embedded engines: calls written to the shards, read through Distributed tables.
 */
class TwoShardStorageIT extends StorageContracts {

  private static ClickHouseStorage storage;
  private static CallSink sink;

  @BeforeAll
  static void open() {
    storage = EmbeddedCluster.shared(2, 1).openStorage(TwoShardStorageIT.class, 2);
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
