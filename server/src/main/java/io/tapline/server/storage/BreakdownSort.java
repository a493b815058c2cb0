package io.tapline.server.storage;

/** How breakdown groups are ranked, highest first. */
public enum BreakdownSort {
  COUNT,
  ERRORS,
  ERROR_RATE,
  /** By one latency quantile, named by the query. */
  LATENCY_QUANTILE
}
