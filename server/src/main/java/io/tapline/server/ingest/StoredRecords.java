package io.tapline.server.ingest;

import io.tapline.masking.Masker;
import io.tapline.masking.SensitiveNames;
import io.tapline.server.storage.CallRecord;
import java.util.Map;

/**
 * Turns a validated call into the record as it is stored, built once: secrets masked, then the
 * service's fields extracted from what was masked, then bodies cut to {@code
 * ingest.max-body-bytes}; a route template derived (from the masked path) when the sender gave
 * none; the customer and plan of the sending key where it has them. Thread-safe.
 *
 * <p>Masking is linear and throws nothing by design; should it fail all the same, the record is
 * refused alone with a {@link MaskingFailedException} naming the field, never stored unmasked.
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
   * @param fields the service's extracted fields
   * @param customerId the sending key's customer, or empty to keep the record's
   * @param plan the sending key's plan, or empty to keep the record's
   */
  CallRecord toStore(
      CallRecord r,
      SensitiveNames sensitiveHeaders,
      FieldExtractor fields,
      String customerId,
      String plan) {
    String field = "request_body";
    try {
      String requestBody = masker.body(r.requestBody(), Masker.contentType(r.requestHeaders()));
      field = "response_body";
      String responseBody = masker.body(r.responseBody(), Masker.contentType(r.responseHeaders()));
      String cutRequest = CallValidator.truncate(requestBody, maxBodyBytes);
      String cutResponse = CallValidator.truncate(responseBody, maxBodyBytes);
      field = "path";
      String path = masker.cards(r.path());
      field = "url";
      String url = masker.url(r.url());
      field = "query_params";
      Map<String, String> queryParams = masker.queryParams(r.queryParams());
      field = "request_headers";
      Map<String, String> requestHeaders = masker.headers(r.requestHeaders(), sensitiveHeaders);
      field = "response_headers";
      Map<String, String> responseHeaders = masker.headers(r.responseHeaders(), sensitiveHeaders);
      field = "error";
      String error = masker.text(r.error());
      field = "tags";
      Map<String, String> tags = masker.tags(r.tags());
      field = "fields";
      FieldExtractor.Values values =
          fields.extract(requestBody, responseBody, requestHeaders, responseHeaders);
      return new CallRecord(
          r.id(),
          r.timestamp(),
          r.service(),
          r.method(),
          url,
          path,
          r.route().isEmpty() ? RouteTemplates.derive(path) : r.route(),
          queryParams,
          requestHeaders,
          responseHeaders,
          cutRequest,
          r.requestBodySize(),
          cutResponse,
          r.responseBodySize(),
          r.statusCode(),
          r.latencyMicros(),
          error,
          r.sourceIp(),
          tags,
          r.traceId(),
          r.spanId(),
          customerId.isEmpty() ? r.customerId() : customerId,
          r.apiKeyId(),
          plan.isEmpty() ? r.plan() : plan,
          r.sampleRate(),
          r.requestBodyTruncated() || cutRequest.length() < requestBody.length(),
          r.responseBodyTruncated() || cutResponse.length() < responseBody.length(),
          values.strings(),
          values.numbers());
    } catch (Throwable t) { // an Error too (a stack overflow, say): the batch goes on without it
      throw new MaskingFailedException(field, t);
    }
  }
}
