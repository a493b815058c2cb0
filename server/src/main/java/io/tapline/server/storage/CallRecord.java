package io.tapline.server.storage;

import java.time.Instant;
import java.util.Map;

/**
 * One stored API call, as the storage layer sees it: validated, with derived fields filled in.
 * Latency is kept in microseconds; {@code sampleRate} is in (0, 1], 1 when every call is kept.
 *
 * @param stringFields values of the service's extracted string fields found in the call
 * @param numberFields values of its extracted number fields (finite)
 */
public record CallRecord(
    String id,
    Instant timestamp,
    String service,
    String method,
    String url,
    String path,
    String route,
    Map<String, String> queryParams,
    Map<String, String> requestHeaders,
    Map<String, String> responseHeaders,
    String requestBody,
    long requestBodySize,
    String responseBody,
    long responseBodySize,
    int statusCode,
    long latencyMicros,
    String error,
    String sourceIp,
    Map<String, String> tags,
    String traceId,
    String spanId,
    String customerId,
    String apiKeyId,
    String plan,
    double sampleRate,
    boolean requestBodyTruncated,
    boolean responseBodyTruncated,
    Map<String, String> stringFields,
    Map<String, Double> numberFields) {}
