package io.tapline.server.storage;

import java.util.List;

/** Stores batches of calls at once, in one commit; a {@link CallSink} writes through one. */
public interface CallWriter {

  /**
   * Stores several batches in one commit and returns once it is committed. A call already stored
   * with the same service, batch id and call id is not stored again (for batches marked {@link
   * CallBatch#mayBeStored}), so a client may retry a batch it got no answer for.
   *
   * @return the batches as written, in the same order, each with only the calls this write stored
   *     (a retried batch's calls stored before are left out)
   * @throws RetryLaterException when the store cannot be reached; some calls may have been
   *     committed, and writing the same batches again stores the rest exactly once
   */
  List<CallBatch> write(List<CallBatch> batches);
}
