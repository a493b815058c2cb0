package io.tapline.server.storage;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tapline.server.storage.clickhouse.CallSinks;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.storage.clickhouse.GroupCommitter;
import java.time.Duration;

/** The ingest sink on a test's storage, as the server builds it, committing without waiting. */
final class TestSinks {

  private TestSinks() {}

  static CallSink on(ClickHouseStorage storage) {
    return CallSinks.groupCommit(
        storage,
        Duration.ofSeconds(15),
        new GroupCommitter.Settings(
            100_000, 256L << 20, 20_000, Duration.ZERO, Duration.ofSeconds(1), 1),
        new SimpleMeterRegistry());
  }
}
