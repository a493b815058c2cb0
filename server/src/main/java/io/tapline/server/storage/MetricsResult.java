package io.tapline.server.storage;

import java.util.Map;

/** The answer to a {@link MetricsQuery}: totals, and weighted counts by method and status code. */
public record MetricsResult(
    CallMetrics total, Map<String, Double> countByMethod, Map<Integer, Double> countByStatus) {

  public MetricsResult {
    countByMethod = Map.copyOf(countByMethod);
    countByStatus = Map.copyOf(countByStatus);
  }
}
