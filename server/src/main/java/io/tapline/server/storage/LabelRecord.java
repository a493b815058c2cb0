package io.tapline.server.storage;

import java.time.Instant;

/**
 * One label sent for one call.
 *
 * @param labelledAt when the label was decided: the latest wins
 * @param receivedAt when Tapline stored it (breaks ties); null before it is stored
 */
public record LabelRecord(
    String service,
    String callId,
    String name,
    String value,
    String source,
    Instant labelledAt,
    Instant receivedAt) {}
