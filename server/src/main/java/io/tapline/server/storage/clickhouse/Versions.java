package io.tapline.server.storage.clickhouse;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Versions for ReplacingMergeTree rows: microseconds since the epoch, strictly increasing within
 * this process, so the latest write wins (across replicas, by clock).
 */
final class Versions {

  private static final AtomicLong last = new AtomicLong();

  private Versions() {}

  static long next() {
    java.time.Instant now = java.time.Instant.now();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    return last.updateAndGet(previous -> Math.max(previous + 1, micros));
  }
}
