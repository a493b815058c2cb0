package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tapline.server.testing.TestTapline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A third-party client against Tapline: {@code buf curl} (installed by {@code scripts/setup} in
 * {@code clients/node}) finds the services through gRPC reflection and calls unary methods over
 * gRPC, with nothing generated from Tapline's protos.
 */
class BufCurlIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  /** The buf binary the npm package installs. */
  private static final Path BUF = Path.of("..", "clients", "node", "node_modules", ".bin", "buf");

  private record Run(int exit, String output) {}

  private static List<String> command(String key, String... args) {
    assertThat(BUF)
        .as("buf is installed by ./scripts/setup (npm ci in clients/node)")
        .satisfies(p -> assertThat(Files.isExecutable(p)).isTrue());
    List<String> command = new ArrayList<>(List.of(BUF.toString(), "curl"));
    command.addAll(
        List.of(
            "--protocol",
            "grpc",
            "--http2-prior-knowledge",
            "--reflect-header",
            "authorization: Bearer " + key,
            "-H",
            "authorization: Bearer " + key));
    command.addAll(List.of(args));
    return command;
  }

  private static Run buf(String key, String... args) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command(key, args)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), output);
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + tapline.port() + path;
  }

  @Test
  void listsTheServicesThroughReflection() throws Exception {
    Run run = buf(tapline.adminKey(), "--list-services", url(""));
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output())
        .contains(
            "tapline.v1.IngestService",
            "tapline.v1.QueryService",
            "tapline.v1.AdminService",
            "tapline.v1.AlertService",
            "opentelemetry.proto.collector.trace.v1.TraceService");
  }

  @Test
  void callsUnaryMethodsWithJsonItBuiltFromReflection() throws Exception {
    Run created =
        buf(
            tapline.adminKey(),
            "-d",
            "{\"service\": {\"name\": \"buf-svc\", \"description\": \"made by buf curl\"}}",
            url("/tapline.v1.AdminService/CreateService"));
    assertThat(created.exit()).as(created.output()).isZero();
    assertThat(created.output()).contains("\"name\": \"buf-svc\"", "made by buf curl");

    Run listed = buf(tapline.adminKey(), url("/tapline.v1.AdminService/ListServices"));
    assertThat(listed.exit()).as(listed.output()).isZero();
    assertThat(listed.output()).contains("buf-svc");

    String readOnly = tapline.newKey(Set.of("read"), "");
    Run refused =
        buf(
            readOnly,
            "-d",
            "{\"service\": {\"name\": \"buf-other\"}}",
            url("/tapline.v1.AdminService/CreateService"));
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.output()).contains("permission_denied");
  }

  @Test
  void readsASubscribeAlertsStream() throws Exception {
    String admin = tapline.adminKey();
    Run rule =
        buf(
            admin,
            "-d",
            """
            {"rule": {"name": "buf 5xx", "service": "buf-alerts", "enabled": true,
              "per_call": {"clauses": [{"field": "status_code", "op": ">=", "value": "500"}]}}}
            """,
            url("/tapline.v1.AlertService/CreateAlertRule"));
    assertThat(rule.exit()).as(rule.output()).isZero();

    Process stream =
        new ProcessBuilder(
                command(
                    admin,
                    "-d",
                    "{\"filter\": {\"service\": \"buf-alerts\"}, \"after_id\": 0}",
                    url("/tapline.v1.AlertService/SubscribeAlerts")))
            .redirectErrorStream(true)
            .start();
    StringBuffer received = new StringBuffer();
    Thread.ofVirtual()
        .start(
            () -> {
              try (var reader = stream.inputReader(StandardCharsets.UTF_8)) {
                char[] chunk = new char[4096];
                for (int n; (n = reader.read(chunk)) >= 0; ) {
                  received.append(chunk, 0, n);
                }
              } catch (IOException e) {
                // The stream ends when the test stops buf.
              }
            });
    try {
      // The first heartbeat says the subscription is open.
      await().atMost(Duration.ofSeconds(30)).until(() -> received.toString().contains("heartbeat"));
      Run sent =
          buf(
              admin,
              "-d",
              """
              {"batch_id": "buf-alert-1", "calls": [{"timestamp": "%s", "service": "buf-alerts",
                "method": "GET", "url": "https://api.example.com/v1/x", "status_code": 503,
                "latency_ms": 3}]}
              """
                  .formatted(Instant.now()),
              url("/tapline.v1.IngestService/Ingest"));
      assertThat(sent.output()).as(sent.output()).contains("\"accepted\": 1");
      await().atMost(Duration.ofSeconds(30)).until(() -> received.toString().contains("TRIGGERED"));
      assertThat(received.toString())
          .contains("\"ruleName\": \"buf 5xx\"", "\"service\": \"buf-alerts\"");
    } finally {
      stream.destroy();
    }
  }
}
