package io.tapline.server.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where ingest hands its batches. Behind it: group commit (batches of every client written as large
 * INSERTs), encoding, and both layers of retry de-duplication (a copy of a batch still in flight
 * shares the first copy's outcome; calls of a batch stored before are skipped).
 */
public interface CallSink extends AutoCloseable {

  /**
   * Queues a batch for the next commit.
   *
   * @param sender who sent the batch (the API key id): a retry is the same batch id from the same
   *     sender
   * @return completes once the batch is committed, with the calls this submission stored (none for
   *     a copy of a batch stored before or still being written); fails with {@link
   *     RetryLaterException} (queue full, store unavailable, stopping) or with the store's refusal
   */
  CompletableFuture<List<CallRecord>> submit(String sender, CallBatch batch);

  /** Refuses new batches, writes the queued ones, then stops. */
  @Override
  void close();
}
