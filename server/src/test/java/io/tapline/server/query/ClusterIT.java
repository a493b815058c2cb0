package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.Dimension;
import io.tapline.proto.v1.GetBreakdownRequest;
import io.tapline.proto.v1.GetCallRequest;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.GetTimeSeriesRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.SearchCallsResponse;
import io.tapline.proto.v1.StatusClass;
import io.tapline.server.storage.clickhouse.ClickHouseCallStore;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.testing.EmbeddedCluster;
import io.tapline.server.testing.RetryingIngestClient;
import io.tapline.server.testing.ServerOnOwnEngine;
import io.tapline.server.testing.SharedClickHouse;
import io.tapline.server.testing.TestTapline;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tapline on a real cluster of two embedded engines (2 shards of 1 replica), beside a server on one
 * node: the same calls give the same answers; batches spread over both shards and a retried batch
 * stays on its shard, stored once; a shard down refuses only its own batches, and one killed in the
 * middle of a stream loses and doubles nothing. {@link ClusterReplicasIT} covers 2 × 2.
 */
class ClusterIT {

  @RegisterExtension
  static final TestTapline single = new TestTapline().withFlags("--ingest.max-future=2h");

  private static EmbeddedCluster cluster;
  private static ServerOnOwnEngine sharded;
  private static final List<ApiCall> calls = new ArrayList<>();

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start(2, 1);
    sharded =
        ServerOnOwnEngine.onCluster(
            cluster,
            SharedClickHouse.newDatabase(ClusterIT.class),
            "--ingest.max-future=2h",
            "--ingest.retry-after=200ms",
            "--ingest.rate-limit-per-second=0");
    Random random = new Random(7);
    for (int i = 0; i < 600; i++) {
      calls.add(AnalyticsIT.call(i % 5 == 0 ? "other" : "shop", "c-" + i, i % 4, random));
    }
    for (io.grpc.Channel channel : List.of(single.channel(), sharded.channel())) {
      var ingest = IngestServiceGrpc.newBlockingStub(channel);
      for (int from = 0; from < calls.size(); from += 50) {
        ingest.ingest(
            IngestRequest.newBuilder()
                .setBatchId("same-" + from)
                .addAllCalls(calls.subList(from, from + 50))
                .build());
      }
    }
  }

  @AfterAll
  static void stop() {
    if (sharded != null) {
      sharded.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void queriesAnswerAsOnOneNode() {
    var one = QueryServiceGrpc.newBlockingStub(single.channel());
    var two = QueryServiceGrpc.newBlockingStub(sharded.channel());
    // Both shards hold calls of the data set. (The other tests add calls of other services.)
    assertThat(countByShard("batch_id LIKE 'same-%'").keySet()).containsExactly(1, 2);

    List<Function<QueryServiceGrpc.QueryServiceBlockingStub, Object>> questions =
        List.of(
            q ->
                q.getMetrics(
                    GetMetricsRequest.newBuilder()
                        .setFilter(AnalyticsIT.window().setService("shop"))
                        .addQuantiles(0.5)
                        .addQuantiles(0.99)
                        .build()),
            q ->
                q.getMetrics(
                    GetMetricsRequest.newBuilder()
                        .setFilter(AnalyticsIT.window().setCustomerId("acme").setService("shop"))
                        .addQuantiles(0.9)
                        .build()),
            q ->
                q.getBreakdown(
                    GetBreakdownRequest.newBuilder()
                        .setFilter(AnalyticsIT.window().setService("other"))
                        .addDimensions(Dimension.DIMENSION_METHOD)
                        .addDimensions(Dimension.DIMENSION_ROUTE)
                        .addQuantiles(0.95)
                        .build()),
            q ->
                q.getBreakdown(
                    GetBreakdownRequest.newBuilder()
                        .setFilter(AnalyticsIT.window().setService("shop"))
                        .addDimensions(Dimension.DIMENSION_PLAN)
                        .addDimensions(Dimension.DIMENSION_STATUS_CLASS)
                        .build()),
            q ->
                q.getBreakdown(
                    GetBreakdownRequest.newBuilder()
                        .setFilter(AnalyticsIT.window().setService("shop"))
                        .addDimensions(Dimension.DIMENSION_CUSTOMER)
                        .setLimit(3)
                        .build()),
            q ->
                q.getTimeSeries(
                    GetTimeSeriesRequest.newBuilder()
                        .setFilter(AnalyticsIT.window().setService("shop"))
                        .setBucketSeconds(3600)
                        .addQuantiles(0.5)
                        .build()),
            q ->
                q.getTimeSeries(
                    GetTimeSeriesRequest.newBuilder()
                        .setFilter(AnalyticsIT.window().setService("shop"))
                        .setSplitBy(Dimension.DIMENSION_METHOD)
                        .setSeriesLimit(2)
                        .setBucketSeconds(1800)
                        .build()),
            q ->
                pages(
                    q,
                    SearchCallsRequest.newBuilder()
                        .setFilter(AnalyticsIT.window().setService("other"))),
            q ->
                pages(
                    q,
                    SearchCallsRequest.newBuilder()
                        .setFilter(
                            AnalyticsIT.window()
                                .setService("shop")
                                .addStatusClasses(StatusClass.STATUS_CLASS_5XX))),
            q -> q.getCall(GetCallRequest.newBuilder().setId("c-17").build()));
    for (var question : questions) {
      assertThat(question.apply(two)).isEqualTo(question.apply(one));
    }
  }

  /** Every page of a search, 40 calls at a time. */
  private static List<SearchCallsResponse> pages(
      QueryServiceGrpc.QueryServiceBlockingStub query, SearchCallsRequest.Builder request) {
    List<SearchCallsResponse> pages = new ArrayList<>();
    String token = "";
    do {
      SearchCallsResponse page =
          query.searchCalls(request.setPageSize(40).setPageToken(token).build());
      pages.add(page);
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return pages;
  }

  @Test
  void aRetriedBatchStaysOnItsShardAndIsStoredOnce() {
    var ingest = IngestServiceGrpc.newBlockingStub(sharded.channel());
    IngestRequest batch = batch("again", "again", 30);
    assertThat(ingest.ingest(batch).getAccepted()).isEqualTo(30);
    ingest.ingest(batch);
    ingest.ingest(batch);

    Map<Integer, Long> byShard = countByShard("batch_id = 'again'");
    assertThat(byShard).hasSize(1);
    assertThat(byShard.values()).containsExactly(30L);
  }

  @Test
  void aShardDownRefusesOnlyItsOwnBatchesAndReadinessSaysWhich() {
    var ingest = IngestServiceGrpc.newBlockingStub(sharded.channel());
    var query = QueryServiceGrpc.newBlockingStub(sharded.channel());
    WebClient http = WebClient.of("http://127.0.0.1:" + sharded.port());
    cluster.stopNode(2, 1);
    List<IngestRequest> refused = new ArrayList<>();
    List<IngestRequest> stored = new ArrayList<>();
    try {
      for (int k = 0; k < 16; k++) {
        IngestRequest batch = batch("down-" + k, "down", 10);
        try {
          assertThat(ingest.ingest(batch).getAccepted()).isEqualTo(10);
          stored.add(batch);
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("shard 2");
          refused.add(batch);
        }
      }
      assertThat(stored).isNotEmpty();
      assertThat(refused).isNotEmpty();
      // Reads need every shard: they fail as retryable, not as an internal error.
      assertThatThrownBy(
              () ->
                  query.getMetrics(
                      GetMetricsRequest.newBuilder().setFilter(AnalyticsIT.window()).build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> readiness(http).contains("\"degraded\":[\"shard 2 replica 1\"]"));
      assertThat(readiness(http)).contains("\"healthy\":true");
    } finally {
      cluster.startNode(2, 1);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> readiness(http).contains("\"degraded\":[]"));
    for (IngestRequest batch : refused) {
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> ingest.ingest(batch).getAccepted() == 10);
    }
    // Each batch once, on the shard its id names: the refused ones on shard 2, the rest on 1.
    for (IngestRequest batch : stored) {
      assertThat(countByShard("batch_id = '" + batch.getBatchId() + "'")).isEqualTo(Map.of(1, 10L));
    }
    for (IngestRequest batch : refused) {
      assertThat(countByShard("batch_id = '" + batch.getBatchId() + "'")).isEqualTo(Map.of(2, 10L));
    }
  }

  @Test
  void aShardKilledMidStreamLosesAndDoublesNothing() throws Exception {
    int batches = 60;
    int perBatch = 500;
    AtomicLong acked = new AtomicLong();
    ExecutorService clientThread = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<RetryingIngestClient.Result> sending =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return RetryingIngestClient.of(sharded.channel(), 8)
                      .sendAll(
                          batches("killed", batches, perBatch),
                          latency -> acked.incrementAndGet(),
                          Duration.ofMinutes(3));
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              },
              clientThread);
      await().atMost(Duration.ofMinutes(1)).until(() -> acked.get() >= 10 || sending.isDone());
      assertThat(sending).isNotDone(); // the kill must happen mid-stream
      long pid = cluster.node(2, 1).pid();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();

      RetryingIngestClient.Result result = sending.get();
      assertThat(result.permanentFailures()).isEmpty();
      // The stream stayed open: refused batches were acknowledged as retryable, not dropped.
      assertThat(result.streams()).isEqualTo(1);
    } finally {
      clientThread.shutdownNow();
    }
    try (Connection connection = sharded.server().storage().dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT count(), uniqExact(id), uniqExact(_shard_num) FROM api_calls"
                    + " WHERE service = 'killed'")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo((long) batches * perBatch);
      assertThat(rs.getLong(2)).isEqualTo((long) batches * perBatch);
      assertThat(rs.getLong(3)).isEqualTo(2);
    }
  }

  @Test
  void migrationsAreRecordedOnceWhenServersStartTogether() throws Exception {
    String database = SharedClickHouse.newDatabase(ClusterIT.class) + "_together";
    ExecutorService starts = Executors.newFixedThreadPool(2);
    List<ClickHouseStorage> opened = new ArrayList<>();
    try {
      var first = starts.submit(() -> cluster.openStorage(database, 1));
      var second = starts.submit(() -> cluster.openStorage(database, 1));
      opened.add(first.get());
      opened.add(second.get());
      ClickHouseStorage storage = opened.getFirst();
      try (Connection connection = storage.dataSource().getConnection();
          Statement statement = connection.createStatement()) {
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT count(), uniqExact(version) FROM schema_migrations FINAL")) {
          rs.next();
          assertThat(rs.getLong(1)).isPositive().isEqualTo(rs.getLong(2));
        }
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT engine FROM system.tables WHERE database = currentDatabase()"
                    + " AND startsWith(name, 'api_calls') ORDER BY name")) {
          List<String> engines = new ArrayList<>();
          while (rs.next()) {
            engines.add(rs.getString(1));
          }
          // The calls and their eight rollups, each read through a Distributed table.
          assertThat(engines).hasSize(9).containsOnly("Distributed");
        }
      }
      for (int shard = 1; shard <= 2; shard++) {
        try (Connection node = cluster.connect(shard, 1);
            Statement statement = node.createStatement();
            ResultSet rs =
                statement.executeQuery(
                    "SELECT groupArray(name) FROM system.tables WHERE database = '"
                        + database
                        + "_local' AND engine LIKE '%MergeTree'")) {
          rs.next();
          assertThat(rs.getString(1))
              .contains("'api_calls'", "'api_calls_counts_1h'", "'schema_migrations'")
              .doesNotContain("'services'", "'alert_events'");
        }
      }
    } finally {
      opened.forEach(ClickHouseStorage::close);
      starts.shutdownNow();
    }
  }

  @Test
  void deletingAServicesCallsDeletesThemOnEveryShard() throws Exception {
    var ingest = IngestServiceGrpc.newBlockingStub(sharded.channel());
    for (int k = 0; k < 6; k++) {
      ingest.ingest(batch("gone-" + k, "gone", 20));
    }
    assertThat(countByShard("service = 'gone'").keySet()).containsExactly(1, 2);
    ClickHouseStorage storage = sharded.server().storage();
    ClickHouseCallStore store = new ClickHouseCallStore(storage.queryPool(), storage.nodePools());

    assertThat(store.deleteCalls(Set.of("gone"))).isEqualTo(120);
    assertThat(countByShard("service = 'gone'")).isEmpty();
    try (Connection connection = storage.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT count() FROM api_calls_counts_1h WHERE service = 'gone'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  private static String readiness(WebClient http) {
    return http.get("/internal/health/ready").aggregate().join().contentUtf8();
  }

  private static IngestRequest batch(String batchId, String service, int n) {
    IngestRequest.Builder batch = IngestRequest.newBuilder().setBatchId(batchId);
    for (int i = 0; i < n; i++) {
      batch.addCalls(calls.get(i).toBuilder().setService(service).setId(batchId + "-" + i).build());
    }
    return batch.build();
  }

  private static Iterator<IngestRequest> batches(String service, int batches, int perBatch) {
    List<IngestRequest> all = new ArrayList<>();
    for (int k = 0; k < batches; k++) {
      IngestRequest.Builder batch = IngestRequest.newBuilder().setBatchId(service + "-" + k);
      for (int i = 0; i < perBatch; i++) {
        batch.addCalls(
            calls.get(i % calls.size()).toBuilder()
                .setService(service)
                .setId(service + "-" + k + "-" + i)
                .build());
      }
      all.add(batch.build());
    }
    return all.iterator();
  }

  /** Calls of the sharded server matching {@code where}, by the shard holding them. */
  private static Map<Integer, Long> countByShard(String where) {
    try (Connection connection = sharded.server().storage().dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT _shard_num, count() FROM api_calls WHERE "
                    + where
                    + " GROUP BY _shard_num ORDER BY _shard_num")) {
      Map<Integer, Long> counts = new HashMap<>();
      while (rs.next()) {
        counts.put(rs.getInt(1), rs.getLong(2));
      }
      return counts;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
