package io.tapline.server.ingest;

import com.google.protobuf.Timestamp;
import io.tapline.masking.UrlDecoding;
import io.tapline.proto.v1.ApiCall;
import io.tapline.server.api.Times;
import io.tapline.server.api.UnreadableCalls;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.storage.CallRecord;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks one incoming call and turns it into a {@link CallRecord}, deriving what the client left
 * out (id, path, query parameters, body sizes). A call that breaks a rule is refused with the field
 * and a reason; it never affects the other calls of its batch. The limits (url and path, headers,
 * query parameters, tags, error text, timestamps) come from the {@code ingest.*} configuration, so
 * no field of a record can grow without bound.
 */
final class CallValidator {

  static final int MAX_SERVICE_LENGTH = 128;
  static final int MAX_ROUTE_LENGTH = 1024;
  static final int MAX_SHORT_FIELD_LENGTH = 256;

  /** Latency is stored as microseconds in a UInt32: about 71 minutes at most. */
  static final double MAX_LATENCY_MS = 4_294_967.295;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  /** The outcome for one call: a record, or the field and reason it was refused for. */
  record Result(CallRecord record, String field, String reason) {

    static Result ok(CallRecord record) {
      return new Result(record, null, null);
    }

    static Result refused(String field, String reason) {
      return new Result(null, field, reason);
    }

    boolean accepted() {
      return record != null;
    }
  }

  private final TaplineConfig.Ingest limits;
  private final Clock clock;

  CallValidator(TaplineConfig.Ingest limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
  }

  /** Validates a call sent alone, or in a batch whose id the server assigned. */
  Result validate(ApiCall call) {
    return validate(call, null, 0);
  }

  /**
   * Validates a call.
   *
   * @param batchKey when not null, a call without id gets one derived from this key and {@code
   *     index}, so that a re-sent batch yields the same ids and is recognised as already stored
   */
  Result validate(ApiCall call, Ids.BatchKey batchKey, int index) {
    UnreadableCalls.Problem unreadable = UnreadableCalls.problem(call);
    if (unreadable != null) {
      return Result.refused(unreadable.field(), unreadable.reason());
    }
    String id = call.getId();
    if (id.isEmpty()) {
      id =
          batchKey == null || !call.hasTimestamp()
              ? Ids.uuidV7()
              : batchKey.recordId(
                  index,
                  call.getTimestamp().getSeconds() * 1000
                      + call.getTimestamp().getNanos() / 1_000_000);
    } else if (!ID.matcher(id).matches()) {
      return Result.refused("id", "must be 1 to 64 characters from [A-Za-z0-9._:-]");
    }
    if (!call.hasTimestamp()) {
      return Result.refused("timestamp", "is required");
    }
    Timestamp ts = call.getTimestamp();
    if (!Times.isValid(ts)) {
      return Result.refused("timestamp", Times.INVALID);
    }
    Instant timestamp = Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    Instant now = clock.instant();
    if (timestamp.isAfter(now.plus(limits.maxFuture()))) {
      return Result.refused(
          "timestamp",
          "is more than " + limits.maxFuture() + " in the future (check the sender's clock)");
    }
    if (timestamp.isBefore(now.minus(limits.maxPast()))) {
      return Result.refused("timestamp", "is more than " + limits.maxPast() + " in the past");
    }
    if (call.getService().isBlank()) {
      return Result.refused("service", "is required");
    }
    if (call.getService().length() > MAX_SERVICE_LENGTH) {
      return Result.refused("service", "is longer than " + MAX_SERVICE_LENGTH + " characters");
    }
    if (!isMethod(call.getMethod())) {
      return Result.refused("method", "must be an HTTP method in upper case, such as GET");
    }
    if (call.getUrl().isEmpty()) {
      return Result.refused("url", "is required");
    }
    if (call.getUrl().length() > limits.maxUrlLength()) {
      return Result.refused("url", "is longer than " + limits.maxUrlLength() + " characters");
    }
    String headerProblem = checkHeaders(call.getRequestHeadersMap());
    if (headerProblem != null) {
      return Result.refused("request_headers", headerProblem);
    }
    headerProblem = checkHeaders(call.getResponseHeadersMap());
    if (headerProblem != null) {
      return Result.refused("response_headers", headerProblem);
    }
    UrlParts.Parts url;
    try {
      url = UrlParts.of(call.getUrl());
    } catch (URISyntaxException e) {
      return Result.refused("url", "is not a valid URL: " + e.getReason());
    }
    if (call.getStatusCode() < 100 || call.getStatusCode() > 599) {
      return Result.refused("status_code", "must be between 100 and 599");
    }
    double latency = call.getLatencyMs();
    if (!(latency >= 0) || latency > MAX_LATENCY_MS) {
      return Result.refused("latency_ms", "must be between 0 and " + MAX_LATENCY_MS);
    }
    double sampleRate = call.getSampleRate() == 0 ? 1 : call.getSampleRate();
    if (!(sampleRate > 0 && sampleRate <= 1)) {
      return Result.refused("sample_rate", "must be in (0, 1]; 0 means 1");
    }
    if (call.getRoute().length() > MAX_ROUTE_LENGTH) {
      return Result.refused("route", "is longer than " + MAX_ROUTE_LENGTH + " characters");
    }
    if (call.getPath().length() > limits.maxUrlLength()) {
      return Result.refused("path", "is longer than " + limits.maxUrlLength() + " characters");
    }
    if (exceeds(call.getError(), limits.maxErrorBytes())) {
      return Result.refused("error", "is longer than " + limits.maxErrorBytes() + " bytes");
    }
    String tagProblem = checkTags(call.getTagsMap());
    if (tagProblem != null) {
      return Result.refused("tags", tagProblem);
    }
    if (!call.getSourceIp().isEmpty() && !isIpLiteral(call.getSourceIp())) {
      return Result.refused("source_ip", "must be an IPv4 or IPv6 address");
    }
    String longField =
        call.getTraceId().length() > MAX_SHORT_FIELD_LENGTH
            ? "trace_id"
            : call.getSpanId().length() > MAX_SHORT_FIELD_LENGTH
                ? "span_id"
                : call.getCustomerId().length() > MAX_SHORT_FIELD_LENGTH
                    ? "customer_id"
                    : call.getApiKeyId().length() > MAX_SHORT_FIELD_LENGTH
                        ? "api_key_id"
                        : call.getPlan().length() > MAX_SHORT_FIELD_LENGTH ? "plan" : null;
    if (longField != null) {
      return Result.refused(longField, "is longer than " + MAX_SHORT_FIELD_LENGTH + " characters");
    }

    String path = call.getPath().isEmpty() ? emptyToSlash(url.rawPath()) : call.getPath();
    Map<String, String> queryParams =
        call.getQueryParamsCount() > 0 ? call.getQueryParamsMap() : parseQuery(url.rawQuery());
    String queryProblem = checkQueryParams(queryParams);
    if (queryProblem != null) {
      return Result.refused("query_params", queryProblem);
    }
    String requestBody = call.getRequestBody();
    String responseBody = call.getResponseBody();
    long requestBodySize =
        call.getRequestBodySize() > 0 ? call.getRequestBodySize() : bodyBytes(requestBody);
    long responseBodySize =
        call.getResponseBodySize() > 0 ? call.getResponseBodySize() : bodyBytes(responseBody);
    if (requestBodySize > 0xFFFF_FFFFL || responseBodySize > 0xFFFF_FFFFL) {
      return Result.refused("request_body_size", "must be below 4 GiB");
    }
    return Result.ok(
        new CallRecord(
            id,
            timestamp,
            call.getService(),
            call.getMethod(),
            call.getUrl(),
            path,
            call.getRoute(),
            queryParams,
            call.getRequestHeadersMap(),
            call.getResponseHeadersMap(),
            requestBody,
            requestBodySize,
            responseBody,
            responseBodySize,
            call.getStatusCode(),
            Math.round(latency * 1000),
            call.getError(),
            call.getSourceIp(),
            call.getTagsMap(),
            call.getTraceId(),
            call.getSpanId(),
            call.getCustomerId(),
            call.getApiKeyId(),
            call.getPlan(),
            sampleRate,
            false,
            false,
            Map.of(),
            Map.of()));
  }

  /** An HTTP method as accepted: 1 to 16 letters A-Z. */
  private static boolean isMethod(String method) {
    int n = method.length();
    if (n == 0 || n > 16) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = method.charAt(i);
      if (c < 'A' || c > 'Z') {
        return false;
      }
    }
    return true;
  }

  private String checkHeaders(Map<String, String> headers) {
    return checkPairs(
        headers, "header", "headers", limits.maxHeaders(), limits.maxHeaderBytes(), true);
  }

  private String checkTags(Map<String, String> tags) {
    if (tags.size() > limits.maxTags()) {
      return "has " + tags.size() + " tags; at most " + limits.maxTags() + " are accepted";
    }
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      if (tag.getKey().isEmpty()) {
        return "has a tag without a key";
      }
      if (exceeds(tag.getKey(), limits.maxTagKeyBytes())) {
        return "key '"
            + abbreviate(tag.getKey())
            + "' is longer than "
            + limits.maxTagKeyBytes()
            + " bytes";
      }
      if (exceeds(tag.getValue(), limits.maxTagValueBytes())) {
        return "value of '"
            + abbreviate(tag.getKey())
            + "' is longer than "
            + limits.maxTagValueBytes()
            + " bytes";
      }
    }
    return null;
  }

  private String checkQueryParams(Map<String, String> params) {
    return checkPairs(
        params,
        "parameter",
        "parameters",
        limits.maxQueryParams(),
        limits.maxQueryParamBytes(),
        false);
  }

  /**
   * What is wrong with name/value pairs (headers, query parameters): too many, a name missing (when
   * {@code named}), or a pair longer than {@code maxPairBytes}; null when nothing is.
   */
  private static String checkPairs(
      Map<String, String> pairs,
      String one,
      String many,
      int maxCount,
      int maxPairBytes,
      boolean named) {
    if (pairs.size() > maxCount) {
      return "has " + pairs.size() + " " + many + "; at most " + maxCount + " are accepted";
    }
    for (Map.Entry<String, String> pair : pairs.entrySet()) {
      if (named && pair.getKey().isEmpty()) {
        return "has a " + one + " without a name";
      }
      if (exceeds(pair.getKey(), pair.getValue(), maxPairBytes)) {
        return one
            + " '"
            + abbreviate(pair.getKey())
            + "' is longer than "
            + maxPairBytes
            + " bytes";
      }
    }
    return null;
  }

  /** True when {@code s} takes more than {@code maxBytes} bytes in UTF-8. */
  private static boolean exceeds(String s, int maxBytes) {
    return exceeds(s, "", maxBytes);
  }

  /** True when {@code a} and {@code b} together take more than {@code maxBytes} in UTF-8. */
  private static boolean exceeds(String a, String b, int maxBytes) {
    long chars = (long) a.length() + b.length();
    return chars * 3 > maxBytes // else it fits whatever its characters
        && utf8Length(a) + utf8Length(b) > maxBytes;
  }

  /**
   * A body's size in UTF-8. Protobuf hands over the decoded text, and asking the message for the
   * body's bytes would encode it and then, at the next read of the text, decode it again; encoding
   * once here is a vectorised copy, faster than counting character by character.
   */
  private static long bodyBytes(String body) {
    return body.isEmpty() ? 0 : body.getBytes(StandardCharsets.UTF_8).length;
  }

  /** {@code s} cut to about 64 characters for a message, never between a surrogate pair. */
  private static String abbreviate(String s) {
    if (s.length() <= 64) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(63)) ? 63 : 64;
    return s.substring(0, end) + "...";
  }

  /**
   * {@code s} cut to at most {@code maxBytes} bytes of UTF-8, on a character boundary; {@code s}
   * itself when it fits.
   */
  static String truncate(String s, int maxBytes) {
    if (s.length() <= maxBytes / 3) {
      return s; // fits whatever its characters
    }
    long bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      int width = utf8Width(s.charAt(i));
      if (bytes + width > maxBytes) {
        return s.substring(0, i);
      }
      bytes += width;
      if (width == 4) {
        i++;
      }
    }
    return s;
  }

  private static boolean isIpLiteral(String value) {
    try {
      InetAddress.ofLiteral(value); // parses only; never resolves a name
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String emptyToSlash(String path) {
    return path == null || path.isEmpty() ? "/" : path;
  }

  static Map<String, String> parseQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return Map.of();
    }
    Map<String, String> params = new LinkedHashMap<>();
    int start = 0;
    int n = rawQuery.length();
    while (start < n) {
      int amp = rawQuery.indexOf('&', start);
      int end = amp < 0 ? n : amp;
      if (end > start) {
        int eq = rawQuery.indexOf('=', start, end);
        String key = rawQuery.substring(start, eq < 0 ? end : eq);
        String value = eq < 0 ? "" : rawQuery.substring(eq + 1, end);
        params.putIfAbsent(UrlDecoding.decode(key), UrlDecoding.decode(value));
      }
      start = end + 1;
    }
    return params;
  }

  static long utf8Length(String s) {
    long bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      int width = utf8Width(s.charAt(i));
      bytes += width;
      if (width == 4) {
        i++;
      }
    }
    return bytes;
  }

  /** UTF-8 bytes of the character starting at {@code c}: 4 for a surrogate pair's first half. */
  private static int utf8Width(char c) {
    return c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 4 : 3;
  }
}
