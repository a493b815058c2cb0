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
 */
public record ServiceRecord(
    String name,
    String description,
    String baseUrl,
    List<String> replayAllowList,
    int retentionDays,
    List<String> sensitiveHeaders,
    Instant createdAt) {

  public ServiceRecord {
    replayAllowList = List.copyOf(replayAllowList);
    sensitiveHeaders = List.copyOf(sensitiveHeaders);
  }
}
