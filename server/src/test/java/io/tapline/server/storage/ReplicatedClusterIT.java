package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tapline.server.storage.clickhouse.ClickHouseCallStore;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.storage.clickhouse.Cluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.clickhouse.ClickHouseContainer;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.MountableFile;

/**
 * Replicated mode ({@code clickhouse.replicated}) on the cluster of docker-compose.yml's profile,
 * in containers: three ClickHouse Keeper nodes and 2 shards × 2 replicas of ClickHouse servers,
 * configured by the same files ({@code deploy/cluster}). Every storage contract runs on it, and one
 * replica paused leaves writes and reads whole. Skipped, saying so, where no Docker engine runs:
 * the embedded engine has no Keeper ({@code ReplicatedSchemaIT} and {@code FirstLiveReplicaIT} test
 * what can be tested without one).
 */
@ExtendWith(ContainerStorageIT.RequiresDocker.class)
class ReplicatedClusterIT extends StorageContracts {

  private static final Path DEPLOY = Path.of("..", "deploy", "cluster");
  private static final String KEEPER_IMAGE =
      ContainerStorageIT.IMAGE.replace("clickhouse-server", "clickhouse-keeper");
  private static final String PASSWORD = "tapline";

  private static Network network;
  private static final List<GenericContainer<?>> keepers = new ArrayList<>();
  private static final List<ClickHouseContainer> nodes = new ArrayList<>();
  private static ClickHouseStorage storage;
  private static CallSink sink;

  @BeforeAll
  static void start() {
    network = Network.newNetwork();
    for (int id = 1; id <= 3; id++) {
      String name = "keeper" + id;
      GenericContainer<?> keeper =
          new GenericContainer<>(KEEPER_IMAGE)
              .withNetwork(network)
              .withNetworkAliases(name)
              .withCreateContainerCmdModifier(cmd -> cmd.withHostName(name))
              .withEnv("KEEPER_ID", Integer.toString(id))
              .withCopyFileToContainer(
                  MountableFile.forHostPath(DEPLOY.resolve("keeper.xml")),
                  "/etc/clickhouse-keeper/keeper_config.xml");
      keepers.add(keeper);
    }
    keepers.parallelStream().forEach(GenericContainer::start);
    List<List<String>> shards = new ArrayList<>();
    for (int shard = 1; shard <= 2; shard++) {
      List<String> replicas = new ArrayList<>();
      for (int replica = 1; replica <= 2; replica++) {
        String name = "ch-s" + shard + "r" + replica;
        ClickHouseContainer node =
            new ClickHouseContainer(ContainerStorageIT.IMAGE)
                .withNetwork(network)
                .withNetworkAliases(name)
                .withCreateContainerCmdModifier(cmd -> cmd.withHostName(name))
                .withUsername("tapline")
                .withPassword(PASSWORD)
                .withEnv("CLICKHOUSE_SHARD", Integer.toString(shard))
                .withEnv("CLICKHOUSE_REPLICA", Integer.toString(replica))
                .withCopyFileToContainer(
                    MountableFile.forHostPath(DEPLOY.resolve("cluster.xml")),
                    "/etc/clickhouse-server/config.d/cluster.xml");
        nodes.add(node);
      }
    }
    nodes.parallelStream().forEach(ClickHouseContainer::start);
    for (int shard = 0; shard < 2; shard++) {
      shards.add(List.of(url(nodes.get(2 * shard)), url(nodes.get(2 * shard + 1))));
    }
    storage =
        ClickHouseStorage.open(
            url(nodes.getFirst()),
            "tapline",
            PASSWORD,
            "tapline",
            ClickHouseStorage.Settings.of(2),
            null,
            new Cluster("tapline", shards, true));
    sink = TestSinks.on(storage);
  }

  private static String url(ClickHouseContainer node) {
    return "jdbc:clickhouse://" + node.getHost() + ":" + node.getMappedPort(8123);
  }

  @AfterAll
  static void stop() {
    if (sink != null) {
      sink.close();
    }
    if (storage != null) {
      storage.close();
    }
    nodes.forEach(GenericContainer::stop);
    keepers.forEach(GenericContainer::stop);
    if (network != null) {
      network.close();
    }
  }

  @Override
  ClickHouseStorage backend() {
    return storage;
  }

  @Override
  CallSink backendSink() {
    return sink;
  }

  private static long count(ClickHouseContainer node, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url(node), "tapline", PASSWORD);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void oneReplicaDownLeavesWritesAndReadsWhole() throws Exception {
    String service = "replicated-" + System.nanoTime();
    ClickHouseContainer down = nodes.get(2); // shard 2, replica 1
    var docker = DockerClientFactory.instance().client();
    docker.pauseContainerCmd(down.getContainerId()).exec();
    try {
      // As a client would: a batch refused UNAVAILABLE (its first INSERT went to the paused
      // replica) is sent again, and lands on the other one.
      for (int b = 0; b < 20; b++) {
        List<CallRecord> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          calls.add(CallStorageContract.record(service, "b" + b + "-" + i, Instant.now(), 200));
        }
        CallBatch batch = new CallBatch("batch-" + b, calls, Map.of(service, 30), true);
        for (int attempt = 1; ; attempt++) {
          try {
            sink.submit("test", batch).get(1, TimeUnit.MINUTES);
            break;
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RetryLaterException) || attempt == 3) {
              throw e;
            }
          }
        }
      }
      ClickHouseCallStore calls = new ClickHouseCallStore(storage.queryPool());
      MetricsResult metrics =
          calls.metrics(new MetricsQuery(CallCriteria.ofService(service), List.of(0.5)));
      assertThat(metrics.total().recorded()).isEqualTo(200);
      assertThat(storage.unreachableNodes()).containsExactly("shard 2 replica 1");
    } finally {
      docker.unpauseContainerCmd(down.getContainerId()).exec();
    }
    // Back, the paused replica fetches what its shard stored meanwhile.
    String sql = "SELECT count() FROM tapline_local.api_calls WHERE service = '" + service + "'";
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> count(nodes.get(2), sql) == count(nodes.get(3), sql));
    assertThat(count(nodes.get(0), sql) + count(nodes.get(2), sql)).isEqualTo(200);
    assertThat(count(nodes.get(1), sql)).isEqualTo(count(nodes.get(0), sql));
  }
}
