package io.tapline.server.storage;

import java.util.List;

/** Stores API calls. */
public interface CallWriter {

  /** Batch ids: only these characters, so they are safe in logs and query ids. */
  java.util.regex.Pattern BATCH_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  /** Retention of calls written without one: the {@code api_calls.retention_days} default, {@value}. */
  int DEFAULT_RETENTION_DAYS = 30;

  /**
   * One client batch within a write.
   *
   * @param batchId the client's batch id (or one the server assigned)
   * @param calls its calls, validated and masked
   * @param retentionDays days to keep each call, by service: a call's service maps to its
   *     retention; services missing from the map get {@link #DEFAULT_RETENTION_DAYS}
   * @param mayBeStored true when the batch may have been stored before (the client named it, so
   *     this can be a retry); its calls already stored are then skipped
   * @param prepared what {@link #prepare} made of the batch for this writer (its rows encoded, for
   *     example), or null; opaque to everyone but the writer
   */
  record Batch(
      String batchId,
      List<CallRecord> calls,
      java.util.Map<String, Integer> retentionDays,
      boolean mayBeStored,
      Object prepared) {

    public Batch {
      calls = List.copyOf(calls);
      retentionDays = java.util.Map.copyOf(retentionDays);
    }

    public Batch(
        String batchId,
        List<CallRecord> calls,
        java.util.Map<String, Integer> retentionDays,
        boolean mayBeStored) {
      this(batchId, calls, retentionDays, mayBeStored, null);
    }

    public int retentionDaysOf(String service) {
      return retentionDays.getOrDefault(service, DEFAULT_RETENTION_DAYS);
    }
  }

  /**
   * Work on a batch that can be done before it is queued, on the caller's thread, while its
   * records are fresh in the CPU's cache (and in parallel across callers, not on the one thread
   * that commits): for example encoding its rows. The default does nothing.
   *
   * @return the batch to queue and later pass to {@link #write}
   */
  default Batch prepare(Batch batch) {
    return batch;
  }

  /**
   * About how many bytes a batch made by {@link #prepare} holds while it waits for its commit, for
   * the bound of the ingest queue. The default estimates from the text of its calls.
   */
  default long bytes(Batch batch) {
    long bytes = 0;
    for (CallRecord call : batch.calls()) {
      bytes += 256 + call.url().length() + call.requestBody().length()
          + call.responseBody().length() + call.error().length();
    }
    return bytes;
  }

  /**
   * Stores several batches in one commit and returns once it is committed. A call already stored
   * with the same service, batch id and call id is not stored again (for batches marked {@link
   * Batch#mayBeStored}), so a client may retry a batch it got no answer for.
   *
   * @return the batches as written, in the same order, each with only the calls this write
   *     stored (a retried batch's calls stored before are left out)
   * @throws RetryLaterException when the store cannot be reached; some calls may have
   *     been committed, and writing the same batches again stores the rest exactly once
   */
  List<Batch> write(List<Batch> batches);

  /**
   * Stores one batch, which may be a retry, with the default retention.
   *
   * @return the calls this write stored
   */
  default List<CallRecord> write(String batchId, List<CallRecord> calls) {
    return write(List.of(new Batch(batchId, calls, java.util.Map.of(), true))).getFirst().calls();
  }
}
