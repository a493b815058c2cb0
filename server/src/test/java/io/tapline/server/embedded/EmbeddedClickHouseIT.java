package io.tapline.server.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tapline.server.config.TaplineConfig;
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
    HttpResponse<String> response = send(engine, sql, engine.user(), engine.password());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body().strip();
  }

  /** A query over the engine's HTTP interface, with basic authentication when user is not null. */
  private static HttpResponse<String> send(
      EmbeddedClickHouse engine, String sql, String user, String password) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.httpPort() + "/"))
            .POST(HttpRequest.BodyPublishers.ofString(sql));
    if (user != null) {
      request.header(
          "Authorization",
          "Basic "
              + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes()));
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersOnlyRequestsWithItsCredentials(@TempDir Path dataDir) throws Exception {
    EmbeddedClickHouse engine =
        EmbeddedClickHouse.start(
            new TaplineConfig.Embedded(
                SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60)));
    try {
      assertThat(query(engine, "SELECT currentUser()")).isEqualTo("tapline");
      // Without credentials, as clickhouse-local's own user, with a wrong password, or with the
      // right password in another case: nothing runs, and no file can be read through the engine.
      String read = "SELECT * FROM file('/etc/hostname', 'LineAsString')";
      for (String[] credentials :
          new String[][] {
            {null, null},
            {"default", ""},
            {"tapline", "wrong"},
            {"default", engine.password()},
            {"tapline", engine.password().toUpperCase(java.util.Locale.ROOT)}
          }) {
        HttpResponse<String> response = send(engine, read, credentials[0], credentials[1]);
        assertThat(response.statusCode())
            .as(String.join("/", java.util.Arrays.asList(credentials)))
            .isNotEqualTo(200);
      }
      assertThat(engine.isHealthy()).isTrue(); // /ping needs nothing
      // The configuration holding the password is gone once the engine read it.
      assertThat(dataDir.resolve(".engine/config.xml")).doesNotExist();
      assertThat(dataDir.resolve(".engine/users.xml")).doesNotExist();
      assertThat(java.nio.file.Files.getPosixFilePermissions(dataDir.resolve(".engine")))
          .containsExactlyInAnyOrder(
              java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
              java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
      assertThat(java.nio.file.Files.readString(dataDir.resolve("engine.log")))
          .doesNotContain(engine.password());
    } finally {
      engine.close();
    }
  }

  @Test
  void aSecondEngineOnADataDirectoryInUseStopsAtOnceNamingIt(@TempDir Path dataDir) {
    EmbeddedClickHouse engine =
        EmbeddedClickHouse.start(
            new TaplineConfig.Embedded(
                SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60)));
    try {
      assertThatThrownBy(
              () ->
                  EmbeddedClickHouse.start(
                      new TaplineConfig.Embedded(
                          SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60))))
          .isInstanceOf(EmbeddedEngineException.class)
          .hasMessageContaining(dataDir.toAbsolutePath().toString())
          .hasMessageContaining("in use");
      assertThat(engine.isHealthy()).isTrue(); // the first one is untouched
    } finally {
      engine.close();
    }
    // Released with the engine: the directory can be used again.
    EmbeddedClickHouse again =
        EmbeddedClickHouse.start(
            new TaplineConfig.Embedded(
                SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60)));
    again.close();
  }

  @Test
  void restartsAfterACrashKeepingItsDataAndStopsCleanly(@TempDir Path dataDir) throws Exception {
    EmbeddedClickHouse engine =
        EmbeddedClickHouse.start(
            new TaplineConfig.Embedded(
                SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60)));
    long firstPid;
    try {
      query(engine, "CREATE TABLE kept (n UInt32) ENGINE = MergeTree ORDER BY n");
      query(engine, "INSERT INTO kept VALUES (1), (2), (3)");
      firstPid = engine.pid();
      ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();

      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> engine.restarts() == 1 && engine.isHealthy());
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
            () ->
                EmbeddedClickHouse.start(
                    new TaplineConfig.Embedded(
                        dataDir.resolve("nope.so"), dataDir, 0, Duration.ofSeconds(5))))
        .isInstanceOf(EmbeddedEngineException.class)
        .hasMessageContaining("./scripts/setup");
  }
}
