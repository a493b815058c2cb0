package io.tapline.server.storage;

import java.time.Instant;
import java.util.Set;

/**
 * A stored API key: its public id, a hash of its secret, and what it may do.
 *
 * @param scopes scope names, lower case ({@code ingest}, {@code read}, {@code replay}, {@code
 *     admin})
 * @param expiresAt when the key stops working, or null for never
 */
public record ApiKeyRecord(
    String keyId,
    String name,
    String secretHash,
    Set<String> scopes,
    String service,
    String customerId,
    String plan,
    Instant createdAt,
    Instant expiresAt,
    boolean revoked) {

  public ApiKeyRecord {
    scopes = Set.copyOf(scopes);
  }

  public ApiKeyRecord revoke() {
    return new ApiKeyRecord(
        keyId, name, secretHash, scopes, service, customerId, plan, createdAt, expiresAt, true);
  }
}
