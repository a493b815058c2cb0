package io.tapline.server.api;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/**
 * Protobuf timestamps and instants. Timestamps of requests are checked: one outside the supported
 * range is INVALID_ARGUMENT.
 */
public final class Times {

  /** 9999-12-31T23:59:59Z, the last second ClickHouse's DateTime64 and our tokens support. */
  static final long MAX_SECONDS = 253_402_300_799L;

  private Times() {}

  /**
   * The instant of {@code ts}.
   *
   * @throws InvalidRequestException naming {@code field} when it is before 1970 or after 9999, or
   *     its nanoseconds are out of range
   */
  public static Instant instant(Timestamp ts, String field) {
    if (!isValid(ts)) {
      throw new InvalidRequestException(field, INVALID);
    }
    return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
  }

  /** What is wrong with a timestamp that is not {@linkplain #isValid valid}. */
  public static final String INVALID = "is not a valid time between 1970 and 9999";

  /** True when {@code ts} lies between 1970 and 9999 and its nanoseconds are in range. */
  public static boolean isValid(Timestamp ts) {
    return ts.getSeconds() >= 0
        && ts.getSeconds() <= MAX_SECONDS
        && ts.getNanos() >= 0
        && ts.getNanos() <= 999_999_999;
  }

  /** {@code d} as a protobuf duration. */
  public static com.google.protobuf.Duration duration(java.time.Duration d) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(d.getSeconds())
        .setNanos(d.getNano())
        .build();
  }

  /** {@code instant} as a protobuf timestamp. */
  public static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
