package io.tapline.server.storage;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Labels on calls: every label kept, the latest by label time (then arrival) the call's value. */
public interface LabelStore {

  /** What finds the calls of a label sent without a call id. */
  enum Correlation {
    TRACE_ID,
    REQUEST_HEADER,
    FIELD
  }

  /**
   * The ids of {@code service}'s calls between {@code from} and {@code to} whose correlation {@code
   * key} (a header or field name; unused for a trace id) has one of {@code values}, by that value,
   * at most {@code limit} for each.
   */
  Map<String, List<String>> resolve(
      String service,
      Correlation correlation,
      String key,
      Collection<String> values,
      Instant from,
      Instant to,
      int limit);

  /** Stores labels; each is a new row. */
  void add(List<LabelRecord> labels);

  /** Every label of one call, newest first. */
  List<LabelRecord> history(String service, String callId);

  /**
   * The calls {@code criteria} selects that have label {@code name}, by their latest value, and the
   * count of those that lack it under the key {@code null}.
   */
  Map<String, Long> counts(CallCriteria criteria, String name);

  /** A call of a relabelling queue and its stratum. */
  record Queued(CallRecord call, String stratum) {}

  /**
   * Up to {@code limit} calls that {@code criteria} selects and that lack label {@code name}, at
   * most {@code perStratum} for each value of {@code stratum} (none: one stratum), drawn by a hash
   * of the call id and {@code seed}.
   */
  List<Queued> queue(
      CallCriteria criteria,
      String name,
      DriftFeature stratum,
      int perStratum,
      int limit,
      long seed);
}
