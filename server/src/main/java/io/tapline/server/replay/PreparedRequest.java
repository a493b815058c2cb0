package io.tapline.server.replay;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * A request ready to be replayed, and its record form.
 *
 * @param headers what is sent, in order, names as recorded
 * @param recordedUrl {@code url} with values that filled masked query parameters masked again
 * @param recordedHeaders {@code headers} with values that filled masked headers masked again
 * @param omittedHeaders recorded headers left out because they were masked and not overridden
 * @param omittedQueryParams the same for query parameters
 * @param filledQueryParams query parameters masked at ingest whose values the overrides gave
 */
record PreparedRequest(
    String method,
    URI url,
    List<Map.Entry<String, String>> headers,
    String body,
    String recordedUrl,
    Map<String, String> recordedHeaders,
    List<String> omittedHeaders,
    List<String> omittedQueryParams,
    java.util.Set<String> filledQueryParams) {}
