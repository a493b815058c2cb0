package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.clickhouse.ClickHouseCallWriter.EncodedRows;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a commit to every replica of a shard whose tables are not replicated by ClickHouse
 * (replication by the writer, as a {@code Distributed} table with {@code internal_replication =
 * false} would do it). Each replica's writer looks up what that replica stored before, so a replica
 * that missed a batch while it was down gets it from the client's retry, and one that has it keeps
 * one copy. The commit succeeds only when every replica has it: a replica down makes the shard's
 * batches UNAVAILABLE (reads go on from the other replica).
 */
final class EveryReplica implements GroupCommitter.RowWriter {

  private final List<ClickHouseCallWriter> replicas;

  EveryReplica(List<ClickHouseCallWriter> replicas) {
    this.replicas = List.copyOf(replicas);
  }

  /**
   * @return the batches, each with the calls that any replica stored in this write
   */
  @Override
  public List<CallBatch> insert(List<EncodedRows> batches) {
    List<Set<String>> stored = new ArrayList<>(batches.size());
    for (int i = 0; i < batches.size(); i++) {
      stored.add(new HashSet<>());
    }
    for (ClickHouseCallWriter replica : replicas) {
      List<CallBatch> written = replica.insert(batches);
      for (int i = 0; i < written.size(); i++) {
        for (CallRecord call : written.get(i).calls()) {
          stored.get(i).add(call.id());
        }
      }
    }
    List<CallBatch> out = new ArrayList<>(batches.size());
    for (int i = 0; i < batches.size(); i++) {
      CallBatch batch = batches.get(i).batch();
      Set<String> ids = stored.get(i);
      out.add(
          ids.size() == batch.calls().size()
              ? batch
              : batch.withCalls(batch.calls().stream().filter(c -> ids.contains(c.id())).toList()));
    }
    return out;
  }
}
