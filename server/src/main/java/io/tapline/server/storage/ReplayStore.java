package io.tapline.server.storage;

import java.time.Instant;
import java.util.List;

/** Stored replays of recorded calls. */
public interface ReplayStore {

  void write(ReplayRecord replay);

  /**
   * One page of the replays of a call of {@code service}, newest first, starting after {@code
   * after} (null: the newest).
   */
  Page list(String service, String callId, int pageSize, Cursor after);

  /** The services whose calls of this id have replays, at most ten. */
  List<String> servicesWithReplaysOf(String callId);

  /** Where a page ends: the last replay's creation time and id. */
  record Cursor(Instant createdAt, String id) {}

  /** Replays and the cursor of the next page (null on the last page). */
  record Page(List<ReplayRecord> replays, Cursor next) {

    public Page {
      replays = List.copyOf(replays);
    }
  }
}
