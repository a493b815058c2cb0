package io.tapline.server.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tapline.server.testing.SharedClickHouse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor: start, answer, survive a crash with its data, stop without leaving a process. */
class EmbeddedClickHouseIT {

  private static String query(EmbeddedClickHouse engine, String sql) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.httpPort() + "/"))
                    .POST(HttpRequest.BodyPublishers.ofString(sql))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body().strip();
  }

  @Test
  void restartsAfterACrashKeepingItsDataAndStopsCleanly(@TempDir Path dataDir) throws Exception {
    EmbeddedClickHouse engine =
        EmbeddedClickHouse.start(SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60));
    long firstPid;
    try {
      query(engine, "CREATE TABLE kept (n UInt32) ENGINE = MergeTree ORDER BY n");
      query(engine, "INSERT INTO kept VALUES (1), (2), (3)");
      firstPid = engine.pid();
      ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();

      await().atMost(Duration.ofSeconds(60)).until(() -> engine.restarts() == 1 && engine.isHealthy());
      assertThat(engine.pid()).isNotEqualTo(firstPid);
      assertThat(query(engine, "SELECT sum(n) FROM kept")).isEqualTo("6");
    } finally {
      engine.close();
    }
    long lastPid = engine.pid();
    assertThat(lastPid).isEqualTo(-1);
    assertThat(engine.isHealthy()).isFalse();
  }

  @Test
  void missingLibrarySaysWhatToRun(@TempDir Path dataDir) {
    assertThatThrownBy(
            () -> EmbeddedClickHouse.start(dataDir.resolve("nope.so"), dataDir, 0, Duration.ofSeconds(5)))
        .isInstanceOf(EmbeddedEngineException.class)
        .hasMessageContaining("./scripts/setup");
  }
}
