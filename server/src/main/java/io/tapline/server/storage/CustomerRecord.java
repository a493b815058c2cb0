package io.tapline.server.storage;

import java.time.Instant;

/** A customer of the monitored APIs, and its usage plan (may be empty). */
public record CustomerRecord(String id, String name, String plan, Instant createdAt) {}
