package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.testing.SharedClickHouse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real entry point in its own process: configuration flags, JSON logs, graceful stop. */
class MainIT {

  @Test
  void startsFromFlagsLogsJsonAndStopsOnSigterm() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    ProcessBuilder builder =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                // The product's logging configuration, not the tests' one.
                "-Dlogback.configurationFile=logback.xml",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--server.port=0",
                "--log.format=json",
                "--clickhouse.url=" + SharedClickHouse.engine().jdbcUrl(),
                "--clickhouse.user=" + SharedClickHouse.engine().user(),
                "--clickhouse.password=env:ENGINE_PASSWORD",
                "--clickhouse.database=" + SharedClickHouse.newDatabase(MainIT.class),
                "--auth.bootstrap-admin-key=" + ApiKeys.generate().key())
            .redirectErrorStream(true);
    builder.environment().put("ENGINE_PASSWORD", SharedClickHouse.engine().password());
    Process process = builder.start();
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("WARNING:")) {
          continue; // JVM warnings about native access, not our logs
        }
        JsonNode node = json.readTree(line);
        lines.add(node);
        if (node.path("formattedMessage").asText().startsWith("Tapline serving")) {
          break;
        }
      }
      assertThat(lines).isNotEmpty();
      assertThat(lines.getLast().get("level").asText()).isEqualTo("INFO");
      assertThat(lines.getLast().get("loggerName").asText())
          .isEqualTo(TaplineServer.class.getName());

      process.destroy(); // SIGTERM: the shutdown hook stops the server
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      process.destroyForcibly();
    }
  }
}
