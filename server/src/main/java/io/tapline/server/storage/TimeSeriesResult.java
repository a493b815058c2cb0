package io.tapline.server.storage;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Series of non-empty buckets, keyed by bucket start; the caller fills the gaps. */
public record TimeSeriesResult(List<Series> series) {

  public TimeSeriesResult {
    series = List.copyOf(series);
  }

  /** One series; {@code value} is empty when not split and for the "other" series. */
  public record Series(String value, boolean other, Map<Instant, CallMetrics> buckets) {

    public Series {
      buckets = Map.copyOf(buckets);
    }
  }
}
