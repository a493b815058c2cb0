package io.tapline.server.storage;

import java.util.List;

/**
 * A page of search results.
 *
 * @param next where the next page starts, or null when this is the last page
 */
public record CallPage(List<CallRecord> calls, CallQuery.Cursor next) {}
