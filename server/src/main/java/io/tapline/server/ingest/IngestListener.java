package io.tapline.server.ingest;

import io.tapline.server.storage.CallRecord;
import java.util.List;

/**
 * Told about every batch of calls once the store committed it, on the ingesting thread: an
 * implementation must return at once (hand the work to another thread) and must not throw.
 */
@FunctionalInterface
public interface IngestListener {

  void committed(List<CallRecord> calls);
}
