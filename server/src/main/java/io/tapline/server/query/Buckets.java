package io.tapline.server.query;

import io.tapline.server.api.InvalidRequestException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The buckets of a time series: a width (given, or the smallest "round" width that keeps the range
 * within {@value #MAX_AUTO_BUCKETS} buckets) and the range widened to whole buckets, aligned to the
 * epoch.
 */
record Buckets(Instant start, Instant end, Duration width) {

  /** Most buckets a chosen width makes: {@value}. */
  static final int MAX_AUTO_BUCKETS = 500;

  /** Most buckets a given width may make: {@value}. */
  static final int MAX_BUCKETS = 5000;

  private static final long[] ROUND_WIDTHS_SECONDS = {
    1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400
  };

  static Buckets of(Instant start, Instant end, long bucketSeconds) {
    if (bucketSeconds < 0) {
      throw new InvalidRequestException("bucket_seconds", "must not be negative");
    }
    long rangeSeconds = Math.max(1, Duration.between(start, end).toSeconds());
    long width;
    if (bucketSeconds > 0) {
      if (Math.ceilDiv(rangeSeconds, bucketSeconds) + 1 > MAX_BUCKETS) {
        throw new InvalidRequestException(
            "bucket_seconds", "makes more than " + MAX_BUCKETS + " buckets over this range");
      }
      width = bucketSeconds;
    } else {
      width = 0;
      for (long candidate : ROUND_WIDTHS_SECONDS) {
        if (Math.ceilDiv(rangeSeconds, candidate) <= MAX_AUTO_BUCKETS) {
          width = candidate;
          break;
        }
      }
      if (width == 0) {
        width = 86400 * Math.ceilDiv(Math.ceilDiv(rangeSeconds, MAX_AUTO_BUCKETS), 86400);
      }
    }
    long startSeconds = Math.floorDiv(start.getEpochSecond(), width) * width;
    long endExact = end.getEpochSecond() + (end.getNano() > 0 ? 1 : 0);
    long endSeconds = Math.ceilDiv(endExact, width) * width;
    return new Buckets(
        Instant.ofEpochSecond(startSeconds),
        Instant.ofEpochSecond(endSeconds),
        Duration.ofSeconds(width));
  }

  long widthMicros() {
    return width.toSeconds() * 1_000_000L;
  }

  List<Instant> starts() {
    List<Instant> starts = new ArrayList<>();
    for (Instant at = start; at.isBefore(end); at = at.plus(width)) {
      starts.add(at);
    }
    return starts;
  }
}
