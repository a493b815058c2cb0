package io.tapline.server.storage;

import java.util.List;

/** Stores API calls. */
public interface CallWriter {

  /**
   * Stores one batch and returns once it is committed. Writing the same {@code batchId} again
   * stores nothing new, so a client may retry a batch it got no answer for.
   *
   * @throws StorageUnavailableException when the store cannot be reached; nothing is committed
   */
  void write(String batchId, List<CallRecord> calls);
}
