package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.testing.EmbeddedCluster;
import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The writer of a replicated shard ({@link FirstLiveReplica}) on a shard of two embedded engines:
 * it writes to the first replica while it answers, to the second once the first is down, and stays
 * there. The engines' tables are not replicated (no Keeper here), so each replica's count shows
 * where each batch went; that a replicated shard then copies the parts is ClickHouse's part, run by
 * {@code ReplicatedClusterIT} where Docker exists.
 */
class FirstLiveReplicaIT {

  private static EmbeddedCluster cluster;
  private static ClickHouseStorage storage;
  private static String local;

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start(1, 2);
    String database = SharedClickHouse.newDatabase(FirstLiveReplicaIT.class);
    storage = cluster.openStorage(database, 2);
    local = Cluster.localDatabase(database);
  }

  @AfterAll
  static void stop() {
    if (storage != null) {
      storage.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static long stored(int replica, String prefix) throws SQLException {
    try (Connection connection = cluster.connect(1, replica);
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT count() FROM "
                    + local
                    + ".api_calls WHERE startsWith(id, '"
                    + prefix
                    + "-')")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Writes a batch as a client would: again while the store is unavailable, at most 3 times. */
  private static void write(GroupCommitter.RowWriter writer, String prefix) {
    CallBatch batch =
        new CallBatch(prefix, UncertainInsertIT.calls(prefix, 10), Map.of("uncertain", 30), true);
    for (int attempt = 1; ; attempt++) {
      try {
        writer.insert(List.of(ClickHouseCallWriter.encodeRows(batch)));
        return;
      } catch (RetryLaterException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  @Test
  void writesGoToTheFirstReplicaThatAnswers() throws SQLException {
    FirstLiveReplica shard = new FirstLiveReplica(storage.shardPools().getFirst());
    GroupCommitter.RowWriter writer =
        FirstLiveReplica.writer(
            shard, new ClickHouseCallWriter(shard, local, Duration.ofSeconds(5)));
    write(writer, "first");
    assertThat(stored(1, "first")).isEqualTo(10);
    assertThat(stored(2, "first")).isZero();

    cluster.stopNode(1, 1);
    write(writer, "failover");
    assertThat(shard.preferred()).isEqualTo(1);

    cluster.startNode(1, 1);
    write(writer, "after");
    assertThat(stored(1, "failover") + stored(1, "after")).isZero();
    assertThat(stored(2, "failover")).isEqualTo(10);
    assertThat(stored(2, "after")).as("it stays on the replica that answered").isEqualTo(10);
    assertThat(stored(1, "first")).isEqualTo(10);
  }
}
