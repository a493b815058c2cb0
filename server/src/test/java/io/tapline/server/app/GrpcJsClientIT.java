package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.server.alert.AlertFixtures;
import io.tapline.server.testing.TestTapline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A second gRPC implementation: {@code clients/node/grpc-js-client.mjs} ({@code @grpc/grpc-js} with
 * the descriptor set, installed by {@code scripts/setup}) streams batches on IngestStream with flow
 * control and reads SubscribeAlerts, against a real server.
 */
class GrpcJsClientIT {

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline().withFlags("--alerts.heartbeat-interval=300ms");

  private static final Path CLIENTS = Path.of("..", "clients", "node");
  private static final Path DESCRIPTORS =
      Path.of("..", "proto", "target", "classes", "tapline", "v1", "tapline.binpb");

  @Test
  void streamsBatchesWithFlowControlAndReadsAlertEvents() throws Exception {
    assertThat(CLIENTS.resolve("node_modules/@grpc/grpc-js"))
        .as("installed by ./scripts/setup (npm ci in clients/node)")
        .exists();
    String service = "grpcjs";
    AlertServiceGrpc.newBlockingStub(tapline.channel())
        .createAlertRule(
            CreateAlertRuleRequest.newBuilder()
                .setRule(AlertFixtures.perCallServerErrors(service, 60_000))
                .build());
    int batches = 40;
    int perBatch = 50;
    Process process =
        new ProcessBuilder(
                List.of(
                    "node",
                    "grpc-js-client.mjs",
                    "127.0.0.1:" + tapline.port(),
                    tapline.adminKey(),
                    DESCRIPTORS.toAbsolutePath().toString(),
                    service,
                    Integer.toString(batches),
                    Integer.toString(perBatch)))
            .directory(CLIENTS.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();

    JsonNode summary =
        new ObjectMapper().readTree(output.lines().reduce((a, b) -> b).orElseThrow());
    assertThat(summary.get("acknowledged").asInt()).isEqualTo(batches);
    assertThat(summary.get("accepted").asInt()).isEqualTo(batches * perBatch);
    assertThat(summary.get("maxInFlight").asInt()).isBetween(2, 4);
    // Stored once each, as the server counts them.
    long stored =
        QueryServiceGrpc.newBlockingStub(tapline.channel())
            .getMetrics(
                GetMetricsRequest.newBuilder()
                    .setFilter(CallFilter.newBuilder().setService(service))
                    .build())
            .getMetrics()
            .getCount();
    assertThat(stored).isEqualTo(batches * perBatch);
    // The server errors set the per-call rule off; the event reached the grpc-js subscriber.
    JsonNode events = summary.get("events");
    assertThat(events.size()).as(output).isPositive();
    assertThat(events.get(0).get("service").asText()).isEqualTo(service);
    assertThat(events.get(0).get("kind").asText()).isEqualTo("TRIGGERED");
    assertThat(summary.get("heartbeats").asInt()).isPositive();
  }
}
