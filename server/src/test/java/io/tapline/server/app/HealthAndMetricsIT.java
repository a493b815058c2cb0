package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.client.WebClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.testing.SharedClickHouse;
import io.tapline.server.testing.TestTapline;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class HealthAndMetricsIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  @Test
  void prometheusMetricsCoverIngestQueriesPoolCacheAlertsAndJvm() {
    IngestServiceGrpc.newBlockingStub(tapline.channel())
        .ingest(
            IngestRequest.newBuilder()
                .addCalls(
                    ApiCall.newBuilder()
                        .setTimestamp(
                            Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                        .setService("metered")
                        .setMethod("GET")
                        .setUrl("https://x.test/")
                        .setStatusCode(200))
                .addCalls(ApiCall.newBuilder().setService("metered"))
                .build());
    tapline.http().get("/v1/calls/none").aggregate().join();
    String metrics = tapline.http(null).get("/internal/metrics").aggregate().join().contentUtf8();
    assertThat(metrics)
        .contains("tapline_requests")
        .contains("tapline_ingest_records_total 1.0")
        .contains("tapline_ingest_batch_records")
        .contains("tapline_ingest_queue_records")
        .contains("tapline_clickhouse_insert_seconds_count{outcome=\"committed\"}")
        .contains("tapline_clickhouse_query_seconds_count{query=\"get\"}")
        .contains("tapline_alerts_subscribers")
        .contains("hikaricp_connections")
        .contains("cache_gets_total{cache=\"tapline.auth.keys\"")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void readinessFollowsClickHouseWhileLivenessStaysUp(@TempDir Path dataDir) throws Exception {
    EmbeddedClickHouse engine =
        EmbeddedClickHouse.start(
            new TaplineConfig.Embedded(
                SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60)));
    int enginePort = engine.httpPort();
    TaplineServer server =
        TaplineServer.start(
            ConfigLoader.load(new String[] {"--auth.bootstrap-admin-key=" + tapline.adminKey()})
                .withPort(0)
                .withClickHouse(engine.jdbcUrl(), engine.user(), engine.password(), "tapline"));
    EmbeddedClickHouse restarted = null;
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .build();
    try {
      WebClient http = WebClient.of("http://127.0.0.1:" + server.port());
      var health = HealthGrpc.newBlockingStub(channel);
      assertThat(http.get("/internal/health/ready").aggregate().join().status().code())
          .isEqualTo(200);

      engine.close();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> http.get("/internal/health/ready").aggregate().join().status().code() == 503);
      assertThat(http.get("/internal/health/live").aggregate().join().status().code())
          .isEqualTo(200);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.NOT_SERVING);

      // Restarted as a supervisor would: same port, same credentials.
      restarted =
          EmbeddedClickHouse.start(
              new TaplineConfig.Embedded(
                  SharedClickHouse.library(), dataDir, enginePort, Duration.ofSeconds(60)),
              engine.password());
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> http.get("/internal/health/ready").aggregate().join().status().code() == 200);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.SERVING);
    } finally {
      channel.shutdownNow();
      server.close();
      if (restarted != null) {
        restarted.close();
      }
    }
  }
}
