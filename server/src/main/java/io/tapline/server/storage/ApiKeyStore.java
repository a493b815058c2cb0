package io.tapline.server.storage;

import java.util.List;
import java.util.Optional;

/** Where API keys live. */
public interface ApiKeyStore {

  Optional<ApiKeyRecord> get(String keyId);

  /** Stores a new key or a new version of one (for example revoked). */
  void put(ApiKeyRecord key);

  /** Every key, revoked ones included, by id. */
  List<ApiKeyRecord> list();
}
