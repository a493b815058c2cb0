package io.tapline.server.storage;

/** Orders of search results; each is total, ties broken by timestamp and then id. */
public enum SearchOrder {
  NEWEST_FIRST,
  OLDEST_FIRST,
  /** Highest latency first, then newest first. */
  SLOWEST_FIRST
}
