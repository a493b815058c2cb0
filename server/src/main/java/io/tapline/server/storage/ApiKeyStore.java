package io.tapline.server.storage;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Where API keys live. */
public interface ApiKeyStore {

  Optional<ApiKeyRecord> get(String keyId);

  /** Stores a new key or a new version of one (for example revoked). */
  void put(ApiKeyRecord key);

  /** Every key, revoked ones included, by id. */
  List<ApiKeyRecord> list();

  /** The id of every key, revoked ones included: a small read, for a directory kept in memory. */
  Set<String> ids();
}
