package io.tapline.server.storage;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which calls a query looks at. Empty strings, empty collections and nulls mean "any"; all given
 * criteria must hold.
 *
 * @param startTime inclusive, or null
 * @param endTime exclusive, or null
 * @param statusClasses hundreds digits of the status codes wanted (2 for 2xx)
 * @param minLatencyMicros inclusive, or null
 * @param maxLatencyMicros inclusive, or null
 * @param hasError true for errors only (5xx or an error message), false for non-errors, null for
 *     both
 * @param text found in the URL, the request body or the response body
 * @param traceId the W3C trace id of the calls of one distributed trace
 * @param fields conditions on extracted fields
 * @param labels conditions on the calls' latest labels
 */
public record CallCriteria(
    String service,
    Instant startTime,
    Instant endTime,
    int statusCode,
    String method,
    String route,
    String pathPrefix,
    String pathContains,
    Set<Integer> statusClasses,
    Long minLatencyMicros,
    Long maxLatencyMicros,
    Boolean hasError,
    Map<String, String> tags,
    String customerId,
    String plan,
    String sourceIp,
    String apiKeyId,
    String text,
    String traceId,
    List<FieldCondition> fields,
    List<LabelCondition> labels) {

  public CallCriteria {
    statusClasses = Set.copyOf(statusClasses);
    tags = Map.copyOf(tags);
    fields = List.copyOf(fields);
    labels = List.copyOf(labels);
  }

  /** Every call of {@code service} (every call when empty), at any time. */
  public static CallCriteria ofService(String service) {
    return new CallCriteria(
        service, null, null, 0, "", "", "", "", Set.of(), null, null, null, Map.of(), "", "", "",
        "", "", "", List.of(), List.of());
  }

  /**
   * Every call of {@code service} narrowed to a route, a customer and a plan (each: empty for any).
   */
  public static CallCriteria of(String service, String route, String customerId, String plan) {
    return new CallCriteria(
        service,
        null,
        null,
        0,
        "",
        route,
        "",
        "",
        Set.of(),
        null,
        null,
        null,
        Map.of(),
        customerId,
        plan,
        "",
        "",
        "",
        "",
        List.of(),
        List.of());
  }

  /** The same criteria over another time range. */
  public CallCriteria withTimeRange(Instant start, Instant end) {
    return new CallCriteria(
        service,
        start,
        end,
        statusCode,
        method,
        route,
        pathPrefix,
        pathContains,
        statusClasses,
        minLatencyMicros,
        maxLatencyMicros,
        hasError,
        tags,
        customerId,
        plan,
        sourceIp,
        apiKeyId,
        text,
        traceId,
        fields,
        labels);
  }
}
