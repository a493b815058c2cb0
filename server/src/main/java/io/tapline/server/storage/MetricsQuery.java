package io.tapline.server.storage;

import java.util.List;

/** Aggregates of the calls matching {@code criteria}, with latency quantiles at {@code levels}. */
public record MetricsQuery(CallCriteria criteria, List<Double> levels) {

  public MetricsQuery {
    levels = List.copyOf(levels);
  }
}
