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
   * Starts a batch that is handed over call by call: each call is prepared for storage (encoded) as
   * it is added, while the caller's CPU still holds it in its caches.
   *
   * @param batchId the client's batch id (or one the server assigned); matches {@link
   *     CallBatch#BATCH_ID}
   * @param mayBeStored true when the batch may have been stored before (the client named it)
   */
  OpenBatch open(String batchId, boolean mayBeStored);

  /** A batch being filled; used by one thread. */
  interface OpenBatch {

    /** Adds a validated, masked call, to be kept {@code retentionDays} days. */
    void add(CallRecord call, int retentionDays);

    /**
     * Queues the batch for the next commit.
     *
     * @param sender who sent the batch (the API key id): a retry is the same batch id from the same
     *     sender
     * @return completes once the batch is committed, with the calls this submission stored (none
     *     for a copy of a batch stored before or still being written); fails with {@link
     *     RetryLaterException} (queue full, store unavailable, stopping) or with the store's
     *     refusal
     */
    CompletableFuture<List<CallRecord>> submit(String sender);
  }

  /** Queues a whole batch for the next commit: {@link #open}, each call added, then submitted. */
  default CompletableFuture<List<CallRecord>> submit(String sender, CallBatch batch) {
    OpenBatch open = open(batch.batchId(), batch.mayBeStored());
    for (CallRecord call : batch.calls()) {
      open.add(call, batch.retentionDaysOf(call.service()));
    }
    return open.submit(sender);
  }

  /** Refuses new batches, writes the queued ones, then stops. */
  @Override
  void close();
}
