package io.tapline.server.storage;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One replay of a recorded call, as stored: what was sent (values that filled masked fields kept
 * masked), what came back (body up to the server's cap) and the comparison with the original.
 *
 * @param replayedBy id of the API key that asked for the replay
 * @param statusCode 0 when no response was received (see {@code error})
 * @param responseBodySize bytes of body received; counting stops shortly after the cap
 * @param redirects URLs redirected to and followed, in order
 */
public record ReplayRecord(
    String id,
    String callId,
    String service,
    Instant createdAt,
    String replayedBy,
    String requestMethod,
    String requestUrl,
    Map<String, String> requestHeaders,
    List<String> omittedHeaders,
    List<String> omittedQueryParams,
    Overrides overrides,
    boolean followRedirects,
    List<String> redirects,
    int statusCode,
    Map<String, String> responseHeaders,
    String responseBody,
    long responseBodySize,
    boolean responseBodyTruncated,
    long latencyMicros,
    String error,
    Comparison comparison,
    int retentionDays) {

  public ReplayRecord {
    requestHeaders = Map.copyOf(requestHeaders);
    omittedHeaders = List.copyOf(omittedHeaders);
    omittedQueryParams = List.copyOf(omittedQueryParams);
    redirects = List.copyOf(redirects);
    responseHeaders = Map.copyOf(responseHeaders);
  }

  /**
   * The overrides a replay used. Values that filled masked fields are kept as the mask; a body
   * override is kept only as the fact that there was one.
   *
   * @param method empty when not overridden
   * @param url empty when not overridden
   */
  public record Overrides(
      String url,
      String method,
      Map<String, String> headers,
      List<String> removeHeaders,
      Map<String, String> queryParams,
      Map<String, String> bodyFields,
      boolean bodyOverridden) {

    public static final Overrides NONE =
        new Overrides("", "", Map.of(), List.of(), Map.of(), Map.of(), false);

    public Overrides {
      headers = Map.copyOf(headers);
      removeHeaders = List.copyOf(removeHeaders);
      queryParams = Map.copyOf(queryParams);
      bodyFields = Map.copyOf(bodyFields);
    }
  }

  /**
   * The replay against the original call.
   *
   * @param latencyDeltaMicros replay latency minus original latency
   */
  public record Comparison(
      boolean statusChanged,
      int originalStatusCode,
      int replayStatusCode,
      long latencyDeltaMicros,
      BodyDiff bodyDiff) {}

  /**
   * How two response bodies differ.
   *
   * @param kind IDENTICAL, JSON or TEXT
   * @param textDiff for TEXT: "- " lines only in the original, "+ " lines only in the replay
   * @param truncated more differences exist than are listed
   */
  public record BodyDiff(
      String kind,
      List<FieldChange> added,
      List<FieldChange> removed,
      List<FieldChange> changed,
      List<String> textDiff,
      boolean truncated,
      String note) {

    public BodyDiff {
      added = List.copyOf(added);
      removed = List.copyOf(removed);
      changed = List.copyOf(changed);
      textDiff = List.copyOf(textDiff);
    }
  }

  /**
   * A JSON field that differs; {@code path} is a JSON Pointer, values compact JSON ("" when
   * absent).
   */
  public record FieldChange(String path, String before, String after) {}
}
