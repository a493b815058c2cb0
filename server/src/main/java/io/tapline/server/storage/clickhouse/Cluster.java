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
 * @param name the cluster's name in ClickHouse's {@code remote_servers}
 * @param shards each shard's replicas, as JDBC URLs without a database
 */
public record Cluster(String name, List<List<String>> shards) {

  /** One server, no cluster. */
  public static final Cluster NONE = new Cluster("", List.of());

  public Cluster {
    shards = shards.stream().map(List::copyOf).toList();
    if (!name.isEmpty() && (shards.isEmpty() || shards.stream().anyMatch(List::isEmpty))) {
      throw new IllegalArgumentException("A cluster needs shards, each with a replica");
    }
  }

  public boolean isSet() {
    return !name.isEmpty();
  }

  /** The database of the nodes' own call tables. */
  public static String localDatabase(String database) {
    return database + "_local";
  }
}
