package io.tapline.server.auth;

import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.ApiKeyStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure an admin key exists. With {@code auth.bootstrap-admin-key} configured, that key is
 * stored (hashed) if it is not yet; otherwise, when the store holds no usable admin key, a new one
 * is created, printed once on standard output and written to {@code initial-admin-key} in the data
 * directory (readable by its owner only), the way CI servers hand over their first password. Delete
 * that file once the key is kept elsewhere.
 */
public final class KeyBootstrap {

  private static final Logger logger = LoggerFactory.getLogger(KeyBootstrap.class);

  private KeyBootstrap() {}

  /** The file a generated admin key is written to, in the data directory. */
  public static final String KEY_FILE = "initial-admin-key";

  public static void ensureAdminKey(ApiKeyStore store, String configuredKey, Path dataDir) {
    if (!configuredKey.isEmpty()) {
      ApiKeys.Parsed parsed = ApiKeys.parse(configuredKey);
      if (parsed == null) {
        throw new IllegalArgumentException(
            "auth.bootstrap-admin-key is not a well-formed Tapline key (tap_...); "
                + "leave it empty to have one generated");
      }
      if (store.get(parsed.keyId()).isEmpty()) {
        store.put(adminKey(parsed.keyId(), ApiKeys.hash(parsed.secret())));
        logger.info("Stored the configured bootstrap admin key {}", parsed.keyId());
      }
      return;
    }
    Instant now = Instant.now();
    boolean hasAdmin =
        store.list().stream()
            .anyMatch(
                k ->
                    !k.revoked()
                        && k.scopes().contains("admin")
                        && (k.expiresAt() == null || k.expiresAt().isAfter(now)));
    if (hasAdmin) {
      return;
    }
    ApiKeys.Generated generated = ApiKeys.generate();
    store.put(adminKey(generated.keyId(), generated.secretHash()));
    Path keyFile = dataDir.resolve(KEY_FILE);
    try {
      Files.createDirectories(dataDir);
      Files.deleteIfExists(keyFile);
      Files.createFile(
          keyFile,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(keyFile, generated.key() + "\n");
    } catch (IOException | UnsupportedOperationException e) {
      logger.warn("Could not write {}: {}", keyFile, e.toString());
    }
    // On stdout, not in the log: the key is stored nowhere else in clear.
    System.out.println();
    System.out.println("  Tapline created an admin API key (also in " + keyFile + "):");
    System.out.println();
    System.out.println("    " + generated.key());
    System.out.println();
  }

  private static ApiKeyRecord adminKey(String keyId, String hash) {
    return new ApiKeyRecord(
        keyId, "bootstrap admin", hash, Set.of("admin"), "", "", "", Instant.now(), null, false);
  }
}
