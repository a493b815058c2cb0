package io.tapline.server.storage;

import java.time.Instant;

/**
 * A search: filters (null or empty means "any"), a page size, and where the previous page ended.
 *
 * @param after the position of the last call of the previous page, or null for the first page
 */
public record CallQuery(
    String service,
    Instant startTime,
    Instant endTime,
    int statusCode,
    String method,
    String route,
    int pageSize,
    Cursor after) {

  /** A position in the newest-first order: calls sort by timestamp, then id, both descending. */
  public record Cursor(Instant timestamp, String id) {}
}
