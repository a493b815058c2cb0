package io.tapline.server.storage.clickhouse;

import java.util.List;

/**
 * A ClickHouse cluster Tapline stores calls in, or {@link #NONE} for one server.
 *
 * <p>In a cluster, every node holds the call tables ({@code api_calls} and its rollups) in a
 * database of its own, {@link #localDatabase}; Tapline writes each batch into one shard's tables
 * and reads them through {@code Distributed} tables of the same names in the main database of the
 * node it reads through ({@code clickhouse.url}), which also holds the metadata and alert state.
 *
 * <p><b>Replicated</b> ({@code clickhouse.replicated}, with Keeper): the tables are {@code
 * Replicated*MergeTree}s and the schema is made by {@code ON CLUSTER} DDL ({@link
 * ReplicatedSchema}). The call tables are replicated within their shard; the metadata, alert state
 * and {@code Distributed} tables are on every node, replicated across all of them, so any node can
 * be the one Tapline reads through. Each shard's batches are written to one live replica, and a
 * replica down leaves writes and reads to the other.
 *
 * @param name the cluster's name in ClickHouse's {@code remote_servers}
 * @param shards each shard's replicas, as JDBC URLs without a database
 * @param replicated whether the tables are replicated by ClickHouse (Keeper) rather than written to
 *     every replica by Tapline
 */
public record Cluster(String name, List<List<String>> shards, boolean replicated) {

  /** One server, no cluster. */
  public static final Cluster NONE = new Cluster("", List.of());

  public Cluster {
    shards = shards.stream().map(List::copyOf).toList();
    if (!name.isEmpty() && (shards.isEmpty() || shards.stream().anyMatch(List::isEmpty))) {
      throw new IllegalArgumentException("A cluster needs shards, each with a replica");
    }
    if (name.isEmpty() && replicated) {
      throw new IllegalArgumentException("Replicated tables need a cluster");
    }
  }

  /** A cluster whose replicas Tapline writes itself (no Keeper). */
  public Cluster(String name, List<List<String>> shards) {
    this(name, shards, false);
  }

  public boolean isSet() {
    return !name.isEmpty();
  }

  /** The database of the nodes' own call tables. */
  public static String localDatabase(String database) {
    return database + "_local";
  }
}
