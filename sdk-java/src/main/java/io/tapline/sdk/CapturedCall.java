package io.tapline.sdk;

import java.time.Instant;
import java.util.Arrays;

/**
 * One call as a capture integration saw it, filled on the request thread and handed to {@link
 * TaplineClient#record}. It holds references and counters only: masking, body decoding and the
 * conversion to the wire format happen later on the client's sender thread, so capturing costs the
 * request little.
 *
 * <p>Not thread-safe: fill it on one thread, then record it once and do not touch it again.
 */
public final class CapturedCall {

  private static final String[] NONE = new String[0];

  final long epochSecond;
  final int nanos;
  private final long startNanoTime;
  long latencyNanos = -1;

  String service;
  String method;
  String url;
  String route;
  int statusCode;
  String error;
  String sourceIp;
  String traceId;
  String spanId;
  String customerId;
  String apiKeyId;
  String plan;
  double sampleRate = 1;

  String[] requestHeaders = NONE;
  int requestHeaderCount;
  String[] responseHeaders = NONE;
  int responseHeaderCount;
  String[] tags = NONE;
  int tagCount;

  byte[] requestBody;
  int requestBodyLength;
  long requestBodySize = -1;
  byte[] responseBody;
  int responseBodyLength;
  long responseBodySize = -1;
  String requestText;
  String responseText;

  private CapturedCall(Instant start, long startNanoTime) {
    this.epochSecond = start.getEpochSecond();
    this.nanos = start.getNano();
    this.startNanoTime = startNanoTime;
  }

  /** Starts a call now: its timestamp, and the clock its latency is measured from. */
  public static CapturedCall start() {
    return new CapturedCall(Instant.now(), System.nanoTime());
  }

  /** Starts a call at a known time, with its latency given later through {@link #latencyNanos}. */
  public static CapturedCall startedAt(Instant start) {
    return new CapturedCall(start, System.nanoTime());
  }

  /** Records the status and measures the latency since {@link #start()}. */
  public CapturedCall finish(int statusCode) {
    this.statusCode = statusCode;
    if (latencyNanos < 0) {
      latencyNanos = System.nanoTime() - startNanoTime;
    }
    return this;
  }

  /** The latency, when the integration measured it itself. */
  public CapturedCall latencyNanos(long latencyNanos) {
    this.latencyNanos = latencyNanos;
    return this;
  }

  /** The service that handled the call; the client's service name when not set. */
  public CapturedCall service(String service) {
    this.service = service;
    return this;
  }

  public CapturedCall method(String method) {
    this.method = method;
    return this;
  }

  /** The full URL, with its query string. */
  public CapturedCall url(String url) {
    this.url = url;
    return this;
  }

  /** The route template that matched, for example {@code /users/{id}}. */
  public CapturedCall route(String route) {
    this.route = route;
    return this;
  }

  public CapturedCall statusCode(int statusCode) {
    this.statusCode = statusCode;
    return this;
  }

  /** Why the call failed (an exception, a transport error); marks it as an error for sampling. */
  public CapturedCall error(String error) {
    this.error = error;
    return this;
  }

  public CapturedCall sourceIp(String sourceIp) {
    this.sourceIp = sourceIp;
    return this;
  }

  public CapturedCall trace(String traceId, String spanId) {
    this.traceId = traceId;
    this.spanId = spanId;
    return this;
  }

  /** The calling customer and the id (never the secret) of the key it used on the API. */
  public CapturedCall customer(String customerId, String apiKeyId, String plan) {
    this.customerId = customerId;
    this.apiKeyId = apiKeyId;
    this.plan = plan;
    return this;
  }

  /** Adds a request header; names are compared and sent in lower case. */
  public CapturedCall addRequestHeader(String name, String value) {
    requestHeaders = append(requestHeaders, requestHeaderCount++, name, value);
    return this;
  }

  public CapturedCall addResponseHeader(String name, String value) {
    responseHeaders = append(responseHeaders, responseHeaderCount++, name, value);
    return this;
  }

  public CapturedCall tag(String name, String value) {
    tags = append(tags, tagCount++, name, value);
    return this;
  }

  /**
   * The request body as captured: the first {@code length} bytes of {@code bytes} (already cut to
   * the cap) and the size of the whole body, or -1 when unknown.
   */
  public CapturedCall requestBody(byte[] bytes, int length, long originalSize) {
    this.requestBody = bytes;
    this.requestBodyLength = length;
    this.requestBodySize = originalSize;
    return this;
  }

  public CapturedCall responseBody(byte[] bytes, int length, long originalSize) {
    this.responseBody = bytes;
    this.responseBodyLength = length;
    this.responseBodySize = originalSize;
    return this;
  }

  /** The request body as text already decoded (for example a framework's content preview). */
  public CapturedCall requestBody(String text, long originalSize) {
    this.requestText = text;
    this.requestBodySize = originalSize;
    return this;
  }

  public CapturedCall responseBody(String text, long originalSize) {
    this.responseText = text;
    this.responseBodySize = originalSize;
    return this;
  }

  public int statusCode() {
    return statusCode;
  }

  public long latencyNanos() {
    return latencyNanos;
  }

  String requestHeader(String lowerCaseName) {
    for (int i = 0; i < requestHeaderCount; i++) {
      if (requestHeaders[2 * i].equalsIgnoreCase(lowerCaseName)) {
        return requestHeaders[2 * i + 1];
      }
    }
    return null;
  }

  String responseHeader(String lowerCaseName) {
    for (int i = 0; i < responseHeaderCount; i++) {
      if (responseHeaders[2 * i].equalsIgnoreCase(lowerCaseName)) {
        return responseHeaders[2 * i + 1];
      }
    }
    return null;
  }

  private static String[] append(String[] pairs, int index, String name, String value) {
    if (pairs.length < 2 * (index + 1)) {
      pairs = Arrays.copyOf(pairs, Math.max(16, pairs.length * 2));
    }
    pairs[2 * index] = name;
    pairs[2 * index + 1] = value == null ? "" : value;
    return pairs;
  }
}
