package io.tapline.server.storage;

import java.util.Optional;

/** Reads stored API calls and aggregates them. */
public interface CallStore {

  /** One page of calls matching the query, in its order. */
  CallPage search(CallQuery query);

  Optional<CallRecord> get(String id);

  MetricsResult metrics(MetricsQuery query);

  BreakdownResult breakdown(BreakdownQuery query);

  TimeSeriesResult timeSeries(TimeSeriesQuery query);
}
