package io.tapline.server.storage;

import java.util.Optional;

/** Reads stored API calls. */
public interface CallStore {

  /** One page of calls matching the query, newest first. */
  CallPage search(CallQuery query);

  Optional<CallRecord> get(String id);
}
