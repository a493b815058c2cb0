package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.Micros;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Versions for ReplacingMergeTree rows: microseconds since the epoch, strictly increasing within
 * this process, so the latest write wins (across replicas, by clock).
 */
final class Versions {

  private static final AtomicLong last = new AtomicLong();

  private Versions() {}

  static long next() {
    long micros = Micros.of(java.time.Instant.now());
    return last.updateAndGet(previous -> Math.max(previous + 1, micros));
  }
}
