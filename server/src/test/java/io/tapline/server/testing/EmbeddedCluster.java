package io.tapline.server.testing;

import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.storage.clickhouse.Cluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A real ClickHouse cluster on this machine: one embedded engine per replica, each with its own
 * data directory, HTTP and native ports, and a configuration naming every node ({@code
 * remote_servers}, cluster {@value #NAME}), its own {@code macros} and a pool for {@code
 * Distributed} sends. Replicas of a shard are kept equal by Tapline's writer ({@code
 * internal_replication} false): the engine library has no Keeper and no replication.
 *
 * <p>{@link #shared} clusters serve the whole test run, like {@link SharedClickHouse}; a test that
 * stops nodes {@linkplain #start starts} its own and closes it.
 */
public final class EmbeddedCluster implements AutoCloseable {

  /** The cluster's name in {@code remote_servers}. */
  public static final String NAME = "tapline";

  /** The system property naming the layout tests run on, such as {@code 2x1}; unset: one node. */
  public static final String LAYOUT_PROPERTY = "tapline.test.cluster";

  private static final String PASSWORD = "tapline-test-cluster";
  private static final List<EmbeddedCluster> shared = new ArrayList<>();

  private final int shards;
  private final int replicas;
  private final Path root;
  private final int[] httpPorts;
  private final int[] tcpPorts;
  private final EmbeddedClickHouse[] nodes;

  private EmbeddedCluster(int shards, int replicas) {
    this.shards = shards;
    this.replicas = replicas;
    try {
      this.root = Files.createTempDirectory("tapline-test-cluster");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int n = shards * replicas;
    httpPorts = new int[n];
    tcpPorts = new int[n];
    nodes = new EmbeddedClickHouse[n];
    for (int i = 0; i < n; i++) {
      httpPorts[i] = freePort();
      tcpPorts[i] = freePort();
    }
  }

  /**
   * Starts a cluster of {@code shards} × {@code replicas} engines of its own; closing it stops them
   * and removes their data.
   */
  public static EmbeddedCluster start(int shards, int replicas) {
    EmbeddedCluster cluster = new EmbeddedCluster(shards, replicas);
    try {
      for (int s = 1; s <= shards; s++) {
        for (int r = 1; r <= replicas; r++) {
          cluster.startNode(s, r);
        }
      }
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** The run's cluster of this layout, started on first use and stopped when the JVM exits. */
  public static synchronized EmbeddedCluster shared(int shards, int replicas) {
    for (EmbeddedCluster cluster : shared) {
      if (cluster.shards == shards && cluster.replicas == replicas) {
        return cluster;
      }
    }
    EmbeddedCluster cluster = start(shards, replicas);
    shared.add(cluster);
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(cluster::close));
    return cluster;
  }

  /**
   * The shared cluster of the layout the system property {@value #LAYOUT_PROPERTY} names ({@code
   * SHARDSxREPLICAS}), or null when it is unset: the tests then run on one node.
   */
  public static EmbeddedCluster ofLayoutProperty() {
    String layout = System.getProperty(LAYOUT_PROPERTY, "").strip();
    if (layout.isEmpty()) {
      return null;
    }
    String[] parts = layout.split("x");
    return shared(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
  }

  /** Starts the engine of replica {@code replica} of shard {@code shard} (from 1). */
  public void startNode(int shard, int replica) {
    int i = index(shard, replica);
    nodes[i] =
        EmbeddedClickHouse.startNode(
            new TaplineConfig.Embedded(
                SharedClickHouse.library(),
                root.resolve("s" + shard + "r" + replica),
                httpPorts[i],
                Duration.ofSeconds(60)),
            PASSWORD,
            tcpPorts[i],
            config(shard, replica));
  }

  /** Stops the engine of replica {@code replica} of shard {@code shard}; its data stays. */
  public void stopNode(int shard, int replica) {
    int i = index(shard, replica);
    nodes[i].close();
    nodes[i] = null;
  }

  /** The running engines, shard by shard. */
  public List<EmbeddedClickHouse> engines() {
    List<EmbeddedClickHouse> running = new ArrayList<>();
    for (EmbeddedClickHouse node : nodes) {
      if (node != null) {
        running.add(node);
      }
    }
    return running;
  }

  /** Where Tapline's storage on this cluster reads through: the first node. */
  public String entryUrl() {
    return "jdbc:clickhouse://127.0.0.1:" + httpPorts[0];
  }

  public Cluster cluster() {
    List<List<String>> urls = new ArrayList<>();
    for (int s = 1; s <= shards; s++) {
      List<String> shard = new ArrayList<>();
      for (int r = 1; r <= replicas; r++) {
        shard.add("jdbc:clickhouse://127.0.0.1:" + httpPorts[index(s, r)]);
      }
      urls.add(shard);
    }
    return new Cluster(NAME, urls);
  }

  public String user() {
    return EmbeddedClickHouse.USER;
  }

  public String password() {
    return PASSWORD;
  }

  /** A store on this cluster, in a new database of {@code testClass}. */
  public ClickHouseStorage openStorage(Class<?> testClass, int poolSize) {
    return openStorage(SharedClickHouse.newDatabase(testClass), poolSize);
  }

  /** A store on this cluster, in {@code database}. */
  public ClickHouseStorage openStorage(String database, int poolSize) {
    return ClickHouseStorage.open(
        entryUrl(),
        user(),
        password(),
        database,
        ClickHouseStorage.Settings.of(poolSize),
        null,
        cluster());
  }

  /** The engine of replica {@code replica} of shard {@code shard} (from 1), or null if stopped. */
  public EmbeddedClickHouse node(int shard, int replica) {
    return nodes[index(shard, replica)];
  }

  /**
   * A connection to replica {@code replica} of shard {@code shard} itself, waiting up to ten
   * minutes for an answer (benchmarks load millions of rows through it).
   */
  public Connection connect(int shard, int replica) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user());
    properties.setProperty("password", password());
    properties.setProperty("socket_timeout", "600000");
    return DriverManager.getConnection(
        "jdbc:clickhouse://127.0.0.1:" + httpPorts[index(shard, replica)], properties);
  }

  /** {@code config} storing in this cluster, in {@code database}. */
  public TaplineConfig on(TaplineConfig config, String database) {
    Cluster cluster = cluster();
    return config.withClickHouse(
        new TaplineConfig.ClickHouse(
            entryUrl(),
            user(),
            password(),
            database,
            config.clickhouse().internalPoolSize(),
            cluster.name(),
            cluster.shards(),
            false));
  }

  private int index(int shard, int replica) {
    return (shard - 1) * replicas + (replica - 1);
  }

  /**
   * The configuration of one node: the cluster with every node's native port (each node must find
   * its own host and port there to know which shard is local), its macros, and a pool for the
   * background sends of {@code Distributed} tables (without one, queued inserts never leave).
   */
  private String config(int shard, int replica) {
    StringBuilder xml = new StringBuilder("  <remote_servers><" + NAME + ">\n");
    for (int s = 1; s <= shards; s++) {
      xml.append("    <shard><internal_replication>false</internal_replication>\n");
      for (int r = 1; r <= replicas; r++) {
        xml.append("      <replica><host>127.0.0.1</host><port>")
            .append(tcpPorts[index(s, r)])
            .append("</port><user>")
            .append(user())
            .append("</user><password>")
            .append(PASSWORD)
            .append("</password></replica>\n");
      }
      xml.append("    </shard>\n");
    }
    xml.append("  </").append(NAME).append("></remote_servers>\n");
    xml.append("  <macros><shard>")
        .append(shard)
        .append("</shard><replica>")
        .append(replica)
        .append("</replica></macros>\n");
    xml.append(
        "  <background_distributed_schedule_pool_size>4</background_distributed_schedule_pool_size>\n");
    return xml.toString();
  }

  @Override
  public synchronized void close() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        nodes[i].close();
        nodes[i] = null;
      }
    }
    TempDirs.deleteTree(root);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
