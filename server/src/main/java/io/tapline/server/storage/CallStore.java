package io.tapline.server.storage;

import java.util.List;
import java.util.Set;

/** Reads stored API calls and aggregates them. */
public interface CallStore {

  /** One page of calls matching the query, in its order. */
  CallPage search(CallQuery query);

  /**
   * The calls with this id, one per service (the newest), at most ten: ids are unique within a
   * service, not across services. Only the call of {@code service} when it is not empty.
   */
  List<CallRecord> withId(String id, String service);

  MetricsResult metrics(MetricsQuery query);

  BreakdownResult breakdown(BreakdownQuery query);

  TimeSeriesResult timeSeries(TimeSeriesQuery query);

  /**
   * Deletes every call of these services, and their rows in the rollups, and returns how many calls
   * there were. Stop sending calls of these services first: calls stored meanwhile may be left.
   */
  long deleteCalls(Set<String> services);
}
