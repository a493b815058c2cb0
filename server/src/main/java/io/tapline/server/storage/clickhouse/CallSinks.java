package io.tapline.server.storage.clickhouse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.tapline.server.storage.CallSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The ingest sink on a storage, as the server builds it. */
public final class CallSinks {

  private CallSinks() {}

  /**
   * Group commit into {@code storage}: one {@link GroupCommitter} on one server; in a cluster one
   * per shard ({@link ShardedSink}), each writing to every replica of its shard ({@link
   * EveryReplica}), or to one live replica when ClickHouse replicates it ({@link
   * FirstLiveReplica}), and with its own queue, so that a shard down stops only its own batches.
   * The queue bounds ({@code ingest.queue-records}, {@code ingest.queue-bytes}) are shared out
   * among the shards, and each shard gathers a commit for twice {@code ingest.commit-interval} per
   * shard.
   *
   * @param commitTimeout how long one INSERT or look-up may take ({@code ingest.commit-timeout})
   */
  public static CallSink groupCommit(
      ClickHouseStorage storage,
      Duration commitTimeout,
      GroupCommitter.Settings settings,
      MeterRegistry meters) {
    Cluster cluster = storage.cluster();
    if (!cluster.isSet()) {
      return new GroupCommitter(
          new ClickHouseCallWriter(storage.ingestPool(), storage.database(), commitTimeout),
          settings,
          meters);
    }
    String local = Cluster.localDatabase(storage.database());
    List<CallSink> shards = new ArrayList<>();
    List<List<DataSource>> pools = storage.shardPools();
    // A shard gets 1/n of the batches, so it gathers longer: twice the interval times n. On one
    // server a group mostly fills while the previous INSERT runs, which is why n times was not
    // enough. On 2 shards (figures in bench/README.md, "Cluster"): 200 ms per shard kept 97 % of
    // one server's records per CPU-second (median of 3 rounds), 100 ms 84 %, 50 ms 68 %. The queue
    // bounds are the server's, shared out.
    int n = pools.size();
    GroupCommitter.Settings perShard =
        new GroupCommitter.Settings(
            Math.max(1, settings.queueRecords() / n),
            Math.max(1, settings.queueBytes() / n),
            settings.commitMaxRecords(),
            settings.commitInterval().multipliedBy(2L * n),
            settings.retryAfter(),
            settings.workers());
    for (int shard = 1; shard <= pools.size(); shard++) {
      shards.add(
          new GroupCommitter(
              writer(cluster, pools.get(shard - 1), local, commitTimeout),
              perShard,
              meters,
              Tags.of("shard", Integer.toString(shard)),
              "shard " + shard + " of cluster " + cluster.name()));
    }
    return new ShardedSink(shards);
  }

  /**
   * A shard's writer: to one live replica when ClickHouse replicates the shard (one writer, so an
   * INSERT left without an answer is sent again, same token, to whichever replica answers next);
   * otherwise to every replica.
   */
  private static GroupCommitter.RowWriter writer(
      Cluster cluster, List<DataSource> replicas, String database, Duration commitTimeout) {
    if (replicas.size() == 1) {
      return new ClickHouseCallWriter(replicas.getFirst(), database, commitTimeout);
    }
    if (cluster.replicated()) {
      FirstLiveReplica pool = new FirstLiveReplica(replicas);
      return FirstLiveReplica.writer(pool, new ClickHouseCallWriter(pool, database, commitTimeout));
    }
    List<ClickHouseCallWriter> writers = new ArrayList<>();
    for (DataSource pool : replicas) {
      writers.add(new ClickHouseCallWriter(pool, database, commitTimeout));
    }
    return new EveryReplica(writers);
  }
}
