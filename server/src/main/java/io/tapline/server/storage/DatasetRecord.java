package io.tapline.server.storage;

import java.time.Instant;

/**
 * A dataset: a saved export written continuously.
 *
 * @param definition the dataset as the API wrote it (JSON)
 */
public record DatasetRecord(String name, String definition, Instant createdAt) {}
