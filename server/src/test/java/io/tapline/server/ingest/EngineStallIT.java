package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.client.WebClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.server.testing.ServerOnOwnEngine;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine stops answering (SIGSTOP) and resumes (SIGCONT): readiness turns NOT_SERVING, commits
 * fail UNAVAILABLE within the commit timeout rather than hanging, and once the engine resumes the
 * retried batch is stored exactly once, even if the INSERT left without an answer commits after
 * all. This class runs its own server on its own engine, since it stops it.
 */
class EngineStallIT {

  @TempDir static Path dataDir;
  private static ServerOnOwnEngine tapline;

  @BeforeAll
  static void start() {
    tapline =
        ServerOnOwnEngine.start(
            dataDir, "stall", "--ingest.commit-timeout=2s", "--ingest.retry-after=200ms");
  }

  @AfterAll
  static void stop() throws Exception {
    signal("CONT"); // whatever happened, never leave a stopped process behind
    if (tapline != null) {
      tapline.close();
    }
  }

  private static void signal(String name) throws Exception {
    if (tapline != null && tapline.engine().pid() > 0) {
      new ProcessBuilder("kill", "-" + name, Long.toString(tapline.engine().pid()))
          .start()
          .waitFor();
    }
  }

  private static IngestServiceGrpc.IngestServiceBlockingStub ingest() {
    return IngestServiceGrpc.newBlockingStub(tapline.channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** 20 calls whose urls start with /{id}/; {@code named}: with id as batch id, else none. */
  private static IngestRequest batch(String id, boolean named) {
    IngestRequest.Builder batch = IngestRequest.newBuilder();
    if (named) {
      batch.setBatchId(id);
    }
    for (int i = 0; i < 20; i++) {
      batch.addCalls(
          ApiCall.newBuilder()
              .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 5))
              .setService("stall")
              .setMethod("GET")
              .setUrl("https://api.test/" + id + "/" + i)
              .setStatusCode(200)
              .setLatencyMs(3));
    }
    return batch.build();
  }

  private static IngestRequest batch(String id) {
    return batch(id, true);
  }

  private static int readiness() {
    return WebClient.of("http://127.0.0.1:" + tapline.port())
        .get("/internal/health/ready")
        .aggregate()
        .join()
        .status()
        .code();
  }

  @Test
  void aStalledEngineFailsCommitsInBoundedTimeAndNothingIsStoredTwice() throws Exception {
    assertThat(ingest().ingest(batch("before")).getAccepted()).isEqualTo(20);

    signal("STOP");
    try {
      // A batch without an id is inserted without a look-up first: its INSERT is sent and gets no
      // answer, so it may commit when the engine resumes. The named batch fails at its look-up.
      for (IngestRequest request : new IngestRequest[] {batch("unnamed", false), batch("during")}) {
        StatusRuntimeException failure = null;
        try {
          ingest().ingest(request);
        } catch (StatusRuntimeException e) {
          failure = e;
        }
        assertThat(failure).as("a commit to a stopped engine fails").isNotNull();
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> readiness() == 503);
    } finally {
      signal("CONT");
    }

    // The client retries the batch it got no ack for, until the engine answers again.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(300))
        .ignoreExceptions()
        .until(() -> ingest().ingest(batch("during")).getBatchId().equals("during"));
    assertThat(ingest().ingest(batch("after")).getAccepted()).isEqualTo(20);
    await().atMost(Duration.ofSeconds(30)).until(() -> readiness() == 200);

    try (Connection c = tapline.server().storage().dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(), uniqExact(id), countIf(url LIKE '%/unnamed/%')"
                    + " FROM api_calls WHERE service = 'stall'")) {
      assertThat(rs.next()).isTrue();
      // Every named batch once; the INSERT left without an answer once, whether it committed
      // late, was sent again, or both.
      assertThat(rs.getLong(1)).isEqualTo(80);
      assertThat(rs.getLong(2)).isEqualTo(80);
      assertThat(rs.getLong(3)).isEqualTo(20);
    }
  }
}
