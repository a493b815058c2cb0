package io.tapline.server.storage;

import java.time.Instant;

/**
 * A stored alert rule. The alert engine owns the meaning of {@code definition} (the rule as JSON);
 * the store keeps it opaque.
 */
public record AlertRuleRecord(
    String id, String service, String definition, Instant createdAt, Instant updatedAt) {}
