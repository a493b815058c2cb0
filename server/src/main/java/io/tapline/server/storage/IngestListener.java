package io.tapline.server.storage;

import java.util.List;

/**
 * Told, batch by batch, about the calls a commit stored, on the ingesting thread: each call once,
 * even when its batch is sent again. An implementation must return at once (hand the work to
 * another thread) and must not throw.
 */
@FunctionalInterface
public interface IngestListener {

  void committed(List<CallRecord> calls);
}
