package io.tapline.bench;

import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.storage.clickhouse.Cluster;
import io.tapline.server.testing.EmbeddedCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The two ways of writing calls into a cluster, compared on what the engines spend: a cluster of
 * two embedded engines (2 shards), the same rows written in INSERTs of {@value #BLOCK} rows (the
 * size of a commit group)
 *
 * <ul>
 *   <li><b>to the shards</b>, as Tapline does: each shard's half into that node's own table, both
 *       shards at once;
 *   <li><b>through the Distributed table</b> on one node, queued there and sent on in the
 *       background (the default), until {@code SYSTEM FLUSH DISTRIBUTED} returns;
 *   <li><b>through the Distributed table, in the foreground</b> ({@code
 *       distributed_foreground_insert = 1}): the INSERT returns once both shards stored it.
 * </ul>
 *
 * <p>The rows are generated first (QueryBenchmark's generator) into staging tables, so that the
 * figures are the writes' alone. Each way runs {@code rounds} times, alternating, into emptied
 * tables. Prints the engines' CPU seconds, wall seconds and rows per engine CPU-second.
 *
 * <pre>./bench/run ClusterWriteBenchmark [rows] [rounds]   (defaults 2000000, 2)</pre>
 */
public final class ClusterWriteBenchmark {

  /** Rows per INSERT: a commit group's size. */
  static final int BLOCK = 10_000;

  private static final String DATABASE = "write_bench";
  private static final String LOCAL = Cluster.localDatabase(DATABASE);
  private static final String SETTINGS =
      " SETTINGS max_block_size = "
          + BLOCK
          + ", min_insert_block_size_rows = "
          + BLOCK
          + ", min_insert_block_size_bytes = 0, max_insert_threads = 1";

  private ClusterWriteBenchmark() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    try (EmbeddedCluster cluster = EmbeddedCluster.start(2, 1);
        ClickHouseStorage storage = cluster.openStorage(DATABASE, 1)) {
      stage(cluster, rows);
      System.out.printf(
          Locale.ROOT,
          "ClusterWriteBenchmark: %d rows in INSERTs of %d into 2 shards, %d rounds, load %s%n",
          rows,
          BLOCK,
          rounds,
          QueryBenchmark.loadAverage());
      System.out.printf(
          Locale.ROOT,
          "%-44s %12s %10s %22s%n",
          "way",
          "engine CPU s",
          "wall s",
          "rows/engine CPU-s");
      for (int round = 1; round <= rounds; round++) {
        measure(cluster, "to the shards", () -> toShards(cluster));
        measure(cluster, "through Distributed, queued", () -> throughDistributed(cluster, false));
        measure(
            cluster, "through Distributed, foreground", () -> throughDistributed(cluster, true));
      }
    }
  }

  private interface Write {
    void run() throws Exception;
  }

  private static void measure(EmbeddedCluster cluster, String way, Write write) throws Exception {
    empty(cluster);
    long cpu = engineCpu(cluster);
    long start = System.nanoTime();
    write.run();
    double wall = (System.nanoTime() - start) / 1e9;
    double seconds = (engineCpu(cluster) - cpu) / 1e9;
    long stored = count(cluster);
    System.out.printf(
        Locale.ROOT,
        "%-44s %12.1f %10.1f %22.0f%n",
        way + " (" + stored + " rows)",
        seconds,
        wall,
        stored / seconds);
  }

  /** Each shard's staged half into its own table, both at once. */
  private static void toShards(EmbeddedCluster cluster) throws Exception {
    ExecutorService both = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (int shard = 1; shard <= 2; shard++) {
        int s = shard;
        writes.add(
            both.submit(
                () -> {
                  execute(
                      cluster,
                      s,
                      "INSERT INTO "
                          + LOCAL
                          + ".api_calls SELECT * FROM "
                          + LOCAL
                          + ".staging"
                          + SETTINGS);
                  return null;
                }));
      }
      for (Future<?> write : writes) {
        write.get();
      }
    } finally {
      both.shutdownNow();
    }
  }

  /** All staged rows through the first node's Distributed table. */
  private static void throughDistributed(EmbeddedCluster cluster, boolean foreground)
      throws SQLException {
    execute(
        cluster,
        1,
        "INSERT INTO "
            + DATABASE
            + ".api_calls SELECT * FROM "
            + DATABASE
            + ".staging"
            + SETTINGS
            + ", distributed_foreground_insert = "
            + (foreground ? 1 : 0));
    execute(cluster, 1, "SYSTEM FLUSH DISTRIBUTED " + DATABASE + ".api_calls");
  }

  /** Generated rows: half on each node for its own shard, all of them on the first node. */
  private static void stage(EmbeddedCluster cluster, long rows) throws SQLException {
    String generate =
        QueryBenchmark.GENERATE
            .replace("{span}", "82800000000")
            .replace("{before}", "0")
            .replace("SETTINGS max_insert_threads = 2", "");
    for (int shard = 1; shard <= 2; shard++) {
      execute(
          cluster,
          shard,
          "CREATE TABLE IF NOT EXISTS "
              + LOCAL
              + ".staging AS "
              + LOCAL
              + ".api_calls ENGINE = MergeTree ORDER BY tuple()");
      execute(cluster, shard, "TRUNCATE TABLE " + LOCAL + ".staging");
      execute(
          cluster,
          shard,
          generate
              .replace("INSERT INTO api_calls", "INSERT INTO " + LOCAL + ".staging")
              .replace("{first}", Long.toString((shard - 1) * (rows / 2)))
              .replace("{rows}", Long.toString(rows / 2)));
    }
    execute(
        cluster,
        1,
        "CREATE TABLE IF NOT EXISTS "
            + DATABASE
            + ".staging AS "
            + LOCAL
            + ".api_calls ENGINE = MergeTree ORDER BY tuple()");
    execute(cluster, 1, "TRUNCATE TABLE " + DATABASE + ".staging");
    execute(
        cluster,
        1,
        generate
            .replace("INSERT INTO api_calls", "INSERT INTO " + DATABASE + ".staging")
            .replace("{first}", "0")
            .replace("{rows}", Long.toString(rows / 2 * 2)));
  }

  /** Empties the call tables and rollups of both shards, and lets their merges settle. */
  private static void empty(EmbeddedCluster cluster) throws Exception {
    for (int shard = 1; shard <= 2; shard++) {
      for (String table :
          List.of(
              "api_calls",
              "api_calls_counts_1h",
              "api_calls_latency_5m",
              "api_calls_customers_1h")) {
        execute(cluster, shard, "TRUNCATE TABLE " + LOCAL + "." + table);
      }
    }
    Thread.sleep(Duration.ofSeconds(3));
  }

  private static long count(EmbeddedCluster cluster) throws SQLException {
    long rows = 0;
    for (int shard = 1; shard <= 2; shard++) {
      try (Connection connection = cluster.connect(shard, 1);
          Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT count() FROM " + LOCAL + ".api_calls")) {
        rs.next();
        rows += rs.getLong(1);
      }
    }
    return rows;
  }

  private static void execute(EmbeddedCluster cluster, int shard, String sql) throws SQLException {
    try (Connection connection = cluster.connect(shard, 1);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static long engineCpu(EmbeddedCluster cluster) {
    long nanos = 0;
    for (EmbeddedClickHouse engine : cluster.engines()) {
      nanos += ProcessHandle.of(engine.pid()).map(IngestBenchmark::cpuNanos).orElse(0L);
    }
    return nanos;
  }
}
