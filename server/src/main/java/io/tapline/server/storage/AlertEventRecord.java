package io.tapline.server.storage;

import java.time.Instant;
import java.util.List;

/**
 * A stored alert event. {@code id} is assigned by the store (0 before it is stored) and rises in
 * the order events become visible to readers. {@code key} identifies the event across replicas: two
 * appends with the same key store one event.
 */
public record AlertEventRecord(
    long id,
    String key,
    String ruleId,
    String ruleName,
    String service,
    int severity,
    int kind,
    double value,
    double threshold,
    long windowMillis,
    Instant windowStart,
    Instant windowEnd,
    Instant eventTime,
    List<String> sampleCallIds,
    long count,
    String description,
    String origin) {

  public AlertEventRecord {
    sampleCallIds = List.copyOf(sampleCallIds);
  }
}
