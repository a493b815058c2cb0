package io.tapline.server.storage;

import java.time.Instant;
import java.util.List;

/**
 * A registered service.
 *
 * @param baseUrl where the service is reached; replay targets it by default
 * @param replayAllowList further replay targets: URL prefixes, or exact IP literals that may be
 *     reached although they are private, loopback or link-local
 * @param retentionDays how long its calls are kept; 0 for the server's default
 * @param sensitiveHeaders header names (lower case) masked on top of the server's defaults
 * @param otlp how its OpenTelemetry spans become calls
 * @param fields the fields extracted from its calls at ingest
 */
public record ServiceRecord(
    String name,
    String description,
    String baseUrl,
    List<String> replayAllowList,
    int retentionDays,
    List<String> sensitiveHeaders,
    Otlp otlp,
    List<FieldRule> fields,
    Instant createdAt) {

  public ServiceRecord {
    replayAllowList = List.copyOf(replayAllowList);
    sensitiveHeaders = List.copyOf(sensitiveHeaders);
    fields = List.copyOf(fields);
  }

  /**
   * How a service's OpenTelemetry spans become calls.
   *
   * @param clientSpans whether CLIENT spans become calls too (SERVER spans always do)
   * @param customerAttribute the span or resource attribute naming a call's customer, or empty
   * @param planAttribute the span or resource attribute naming a call's plan, or empty
   */
  public record Otlp(boolean clientSpans, String customerAttribute, String planAttribute) {

    /** SERVER spans only; customer and plan from the sending key alone. */
    public static final Otlp NONE = new Otlp(false, "", "");
  }
}
