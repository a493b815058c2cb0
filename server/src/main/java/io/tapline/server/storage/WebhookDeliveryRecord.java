package io.tapline.server.storage;

import java.time.Instant;

/** One attempt to deliver an alert event to a webhook; {@code httpStatus} 0 when none came. */
public record WebhookDeliveryRecord(
    Instant time,
    long eventId,
    String ruleId,
    String url,
    int attempt,
    int httpStatus,
    boolean success,
    String error) {}
