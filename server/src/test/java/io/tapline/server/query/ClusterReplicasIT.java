package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.testing.EmbeddedCluster;
import io.tapline.server.testing.ServerOnOwnEngine;
import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tapline on a cluster of 2 shards × 2 replicas of embedded engines, whose replicas Tapline's
 * writer keeps equal: with one replica down, every read still answers from the other, ingest of the
 * other shard goes on, and the down replica's shard refuses its batches until it is back; then the
 * retried batches reach both replicas, and the replicas of each shard hold the same calls.
 */
class ClusterReplicasIT {

  private static EmbeddedCluster cluster;
  private static ServerOnOwnEngine tapline;
  private static String database;

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start(2, 2);
    database = SharedClickHouse.newDatabase(ClusterReplicasIT.class);
    tapline =
        ServerOnOwnEngine.onCluster(
            cluster,
            database,
            "--ingest.max-future=2h",
            "--ingest.retry-after=200ms",
            "--ingest.rate-limit-per-second=0");
  }

  @AfterAll
  static void stop() {
    if (tapline != null) {
      tapline.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void oneReplicaDownLeavesReadsWholeAndStopsOnlyItsShardsIngest() {
    var ingest = IngestServiceGrpc.newBlockingStub(tapline.channel());
    var query = QueryServiceGrpc.newBlockingStub(tapline.channel());
    Random random = new Random(3);
    int before = 0;
    for (int k = 0; k < 10; k++) {
      before += ingest.ingest(batch("before-" + k, random)).getAccepted();
    }
    assertThat(before).isEqualTo(200);

    cluster.stopNode(2, 1);
    List<IngestRequest> refused = new ArrayList<>();
    int stored = 0;
    try {
      // Reads fail over to the other replica of shard 2: every call is still counted.
      for (int i = 0; i < 5; i++) {
        assertThat(metricsCount(query)).isEqualTo(200);
      }
      assertThat(
              query
                  .searchCalls(
                      SearchCallsRequest.newBuilder()
                          .setFilter(AnalyticsIT.window())
                          .setPageSize(1000)
                          .build())
                  .getCallsCount())
          .isEqualTo(200);
      for (int k = 0; k < 12; k++) {
        IngestRequest batch = batch("during-" + k, random);
        try {
          stored += ingest.ingest(batch).getAccepted();
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("shard 2");
          refused.add(batch);
        }
      }
      assertThat(stored).isPositive();
      assertThat(refused).isNotEmpty();
      WebClient http = WebClient.of("http://127.0.0.1:" + tapline.port());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  http.get("/internal/health/ready")
                      .aggregate()
                      .join()
                      .contentUtf8()
                      .contains("\"degraded\":[\"shard 2 replica 1\"]"));
    } finally {
      cluster.startNode(2, 1);
    }
    for (IngestRequest batch : refused) {
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> ingest.ingest(batch).getAccepted() == 20);
    }
    assertThat(metricsCount(query)).isEqualTo(200 + 12 * 20);
    // The replicas of each shard hold the same calls, and the shards hold them all once.
    long total = 0;
    for (int shard = 1; shard <= 2; shard++) {
      String first = idsOn(shard, 1);
      assertThat(idsOn(shard, 2)).isEqualTo(first);
      total += countOn(shard, 1);
    }
    assertThat(total).isEqualTo(200 + 12 * 20);
  }

  private static long metricsCount(QueryServiceGrpc.QueryServiceBlockingStub query) {
    return query
        .getMetrics(GetMetricsRequest.newBuilder().setFilter(AnalyticsIT.window()).build())
        .getMetrics()
        .getCount();
  }

  private static IngestRequest batch(String batchId, Random random) {
    IngestRequest.Builder batch = IngestRequest.newBuilder().setBatchId(batchId);
    for (int i = 0; i < 20; i++) {
      ApiCall call = AnalyticsIT.call("replicated", batchId + "-" + i, i % 4, random);
      // Unsampled, so that the count of calls is the count of rows.
      batch.addCalls(call.toBuilder().setSampleRate(1));
    }
    return batch.build();
  }

  /** The ids of the calls one replica holds, sorted, as one string. */
  private static String idsOn(int shard, int replica) {
    return queryOn(
        shard, replica, "SELECT arrayStringConcat(arraySort(groupArray(id)), ',') FROM ");
  }

  private static long countOn(int shard, int replica) {
    return Long.parseLong(queryOn(shard, replica, "SELECT count() FROM "));
  }

  private static String queryOn(int shard, int replica, String select) {
    try (Connection connection = cluster.connect(shard, replica);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(select + database + "_local.api_calls")) {
      rs.next();
      return rs.getString(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
