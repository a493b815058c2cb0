package io.tapline.server.storage;

import java.time.Instant;

/**
 * A stored alert rule. The alert engine owns the meaning of {@code definition} (the rule as JSON);
 * the store keeps it opaque. It holds webhook URLs and secrets, so {@link #toString} leaves it out.
 */
public record AlertRuleRecord(
    String id, String service, String definition, Instant createdAt, Instant updatedAt) {

  @Override
  public String toString() {
    return "AlertRuleRecord[id="
        + id
        + ", service="
        + service
        + ", definition=("
        + definition.length()
        + " characters, not printed), createdAt="
        + createdAt
        + ", updatedAt="
        + updatedAt
        + "]";
  }
}
