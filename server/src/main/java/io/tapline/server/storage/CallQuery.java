package io.tapline.server.storage;

import java.time.Instant;

/**
 * A search: criteria, an order, a page size, and where the previous page ended.
 *
 * @param after the position of the last call of the previous page, or null for the first page
 */
public record CallQuery(CallCriteria criteria, SearchOrder order, int pageSize, Cursor after) {

  /**
   * A position in a search order: the last call's latency (used by {@link
   * SearchOrder#SLOWEST_FIRST} only), timestamp and id.
   */
  public record Cursor(long latencyMicros, Instant timestamp, String id) {}
}
