package io.tapline.server.storage;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Alert events and webhook deliveries. */
public interface AlertEventStore {

  /** The largest event id stored, 0 when none. */
  long lastId();

  /**
   * Stores events in one write. Events whose key was stored before (by any replica) are not stored
   * again. At most {@link #MAX_EVENTS_PER_APPEND} events.
   *
   * @param dedupKey identifies the whole write; a write with a key already stored stores nothing
   */
  void append(String dedupKey, List<AlertEventRecord> events);

  /** Most events one {@link #append} takes. */
  int MAX_EVENTS_PER_APPEND = 10_000;

  /** Events with {@code afterId < id <= upToId} matching the filter, oldest first. */
  List<AlertEventRecord> range(long afterId, long upToId, AlertEventFilter filter, int limit);

  /** Events with {@code id < beforeId} (any when 0) matching the filter, newest first. */
  List<AlertEventRecord> newest(AlertEventFilter filter, long beforeId, int limit);

  /** The latest event of each rule among the given kinds, by rule id. */
  Map<String, AlertEventRecord> latestOfKinds(
      Collection<String> ruleIds, Collection<Integer> kinds);

  void logDelivery(WebhookDeliveryRecord delivery);

  /** Deliveries, newest first; empty filters do not filter, eventId 0 neither. */
  List<WebhookDeliveryRecord> deliveries(String ruleId, long eventId, int limit);
}
