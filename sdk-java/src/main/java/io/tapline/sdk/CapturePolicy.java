package io.tapline.sdk;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which calls are kept: calls to excluded paths (health checks, metrics scrapes) are never
 * captured; successful calls are sampled at a rate; errors (status 400 and up, or an error message)
 * and slow calls are always kept. A kept call carries the rate it was kept at as its {@code
 * sample_rate}, so analytics can weight counts back (1 / rate).
 */
public final class CapturePolicy {

  /** Share of successful calls kept: {@value} (all). */
  public static final double DEFAULT_SAMPLE_RATE = 1.0;

  /** Calls at least this slow are always kept: 1 second. */
  public static final Duration DEFAULT_SLOW_THRESHOLD = Duration.ofSeconds(1);

  private final String[] exactPaths;
  private final String[] pathPrefixes;
  private final double sampleRate;
  private final long slowThresholdNanos;

  CapturePolicy(List<String> excludedPaths, double sampleRate, Duration slowThreshold) {
    if (!(sampleRate > 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException("sample rate must be in (0, 1]; got " + sampleRate);
    }
    this.exactPaths = excludedPaths.stream().filter(p -> !p.endsWith("*")).toArray(String[]::new);
    this.pathPrefixes =
        excludedPaths.stream()
            .filter(p -> p.endsWith("*"))
            .map(p -> p.substring(0, p.length() - 1))
            .toArray(String[]::new);
    this.sampleRate = sampleRate;
    this.slowThresholdNanos = slowThreshold.toNanos();
  }

  /**
   * Whether calls to {@code path} (without the query string) are never captured. Patterns are exact
   * paths, or prefixes ending in {@code *} ({@code /internal/*}).
   */
  public boolean excludes(String path) {
    if (path == null) {
      return false;
    }
    for (String exact : exactPaths) {
      if (exact.equals(path)) {
        return true;
      }
    }
    for (String prefix : pathPrefixes) {
      if (path.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** The rate a finished call is kept at, or 0 when it is sampled out. */
  double keepRate(CapturedCall call) {
    if (call.statusCode >= 400 || call.error != null || call.latencyNanos >= slowThresholdNanos) {
      return 1.0;
    }
    if (sampleRate >= 1.0) {
      return 1.0;
    }
    return ThreadLocalRandom.current().nextDouble() < sampleRate ? sampleRate : 0;
  }

  public double sampleRate() {
    return sampleRate;
  }
}
