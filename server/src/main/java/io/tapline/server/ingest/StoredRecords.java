package io.tapline.server.ingest;

import io.tapline.server.storage.CallRecord;
import java.util.Map;

/**
 * Turns a validated call into the record as it is stored, built once: secrets masked, then bodies
 * and error cut to {@code ingest.max-body-bytes}; a route template derived (from the masked path)
 * when the sender gave none; the customer and plan of the sending key where it has them.
 * Thread-safe.
 */
final class StoredRecords {

  private final Masker masker;
  private final int maxBodyBytes;

  StoredRecords(Masker masker, int maxBodyBytes) {
    this.masker = masker;
    this.maxBodyBytes = maxBodyBytes;
  }

  /**
   * @param sensitiveHeaders the service's own sensitive header names
   * @param customerId the sending key's customer, or empty to keep the record's
   * @param plan the sending key's plan, or empty to keep the record's
   */
  CallRecord toStore(CallRecord r, NameSet sensitiveHeaders, String customerId, String plan) {
    String requestBody =
        masker.body(r.requestBody(), header(r.requestHeaders(), "content-type"));
    String responseBody =
        masker.body(r.responseBody(), header(r.responseHeaders(), "content-type"));
    String cutRequest = CallValidator.truncate(requestBody, maxBodyBytes);
    String cutResponse = CallValidator.truncate(responseBody, maxBodyBytes);
    String path = masker.text(r.path());
    return new CallRecord(
        r.id(), r.timestamp(), r.service(), r.method(),
        masker.url(r.url()),
        path,
        r.route().isEmpty() ? RouteTemplates.derive(path) : r.route(),
        masker.queryParams(r.queryParams()),
        masker.headers(r.requestHeaders(), sensitiveHeaders),
        masker.headers(r.responseHeaders(), sensitiveHeaders),
        cutRequest, r.requestBodySize(), cutResponse, r.responseBodySize(),
        r.statusCode(), r.latencyMicros(),
        CallValidator.truncate(masker.text(r.error()), maxBodyBytes),
        r.sourceIp(), r.tags(), r.traceId(), r.spanId(),
        customerId.isEmpty() ? r.customerId() : customerId,
        r.apiKeyId(),
        plan.isEmpty() ? r.plan() : plan,
        r.sampleRate(),
        r.requestBodyTruncated() || cutRequest.length() < requestBody.length(),
        r.responseBodyTruncated() || cutResponse.length() < responseBody.length());
  }

  /** The value of header {@code name} in any case, or null. */
  static String header(Map<String, String> headers, String name) {
    String value = headers.get(name);
    if (value != null) {
      return value;
    }
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }
}
