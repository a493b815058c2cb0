package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallSink;
import java.util.List;

/**
 * Batches spread over a cluster's shards, each batch whole to one shard chosen by its batch id: a
 * retried batch goes where its first attempt went, whichever Tapline server receives it, so the
 * shard's writer finds the calls stored before (the second layer of retry de-duplication) and a
 * copy still in flight shares its outcome (the first layer). Each shard has its own sink and queue:
 * a shard that is down fails its own batches UNAVAILABLE while the others are stored.
 */
final class ShardedSink implements CallSink {

  private final List<CallSink> shards;

  ShardedSink(List<CallSink> shards) {
    this.shards = List.copyOf(shards);
  }

  /** The shard (from 0) of a batch id: the same on every server, as String's hash is specified. */
  static int shardOf(String batchId, int shards) {
    return Math.floorMod(batchId.hashCode(), shards);
  }

  @Override
  public OpenBatch open(String batchId, boolean mayBeStored) {
    return shards.get(shardOf(batchId, shards.size())).open(batchId, mayBeStored);
  }

  @Override
  public void close() {
    shards.forEach(CallSink::close);
  }
}
