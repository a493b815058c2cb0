package io.tapline.server.storage;

import java.time.Instant;

/**
 * A usage plan.
 *
 * @param rateLimitPerSecond requests per second per ingest key on this plan; 0 for the default
 */
public record PlanRecord(
    String id, String name, String description, int rateLimitPerSecond, Instant createdAt) {}
