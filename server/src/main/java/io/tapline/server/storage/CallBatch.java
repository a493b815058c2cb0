package io.tapline.server.storage;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One client batch of calls, validated and masked, as it is handed to storage.
 *
 * @param batchId the client's batch id (or one the server assigned); matches {@link #BATCH_ID}
 * @param calls its calls
 * @param retentionDays days to keep each call, by service: every service of the calls is a key
 * @param mayBeStored true when the batch may have been stored before (the client named it, so this
 *     can be a retry); its calls already stored are then skipped
 */
public record CallBatch(
    String batchId,
    List<CallRecord> calls,
    Map<String, Integer> retentionDays,
    boolean mayBeStored) {

  /** Batch ids: only these characters, so they are safe in logs and query ids. */
  public static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  public CallBatch {
    requireBatchId(batchId);
    calls = List.copyOf(calls);
    retentionDays = Map.copyOf(retentionDays);
  }

  /** {@code batchId}, checked against {@link #BATCH_ID}. */
  public static String requireBatchId(String batchId) {
    if (!BATCH_ID.matcher(batchId).matches()) {
      throw new IllegalArgumentException("Invalid batch id: " + batchId);
    }
    return batchId;
  }

  /** The same batch with only {@code calls} (a subset of its calls). */
  public CallBatch withCalls(List<CallRecord> calls) {
    return new CallBatch(batchId, calls, retentionDays, mayBeStored);
  }

  /** The retention of a service's calls in this batch. */
  public int retentionDaysOf(String service) {
    Integer days = retentionDays.get(service);
    if (days == null) {
      throw new IllegalArgumentException("No retention given for service " + service);
    }
    return days;
  }
}
