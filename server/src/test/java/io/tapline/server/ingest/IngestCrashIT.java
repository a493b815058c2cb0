package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.testing.RetryingIngestClient;
import io.tapline.server.testing.ServerOnOwnEngine;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine dies in the middle of a 100,000-record stream and comes back; the client retries every
 * batch it got no successful ack for, and in the end every record is stored exactly once. This
 * class runs its own server on its own engine, since it kills it.
 */
class IngestCrashIT {

  static final int BATCHES = 100;
  static final int RECORDS_PER_BATCH = 1_000;

  @TempDir static Path dataDir;
  private static ServerOnOwnEngine tapline;

  @BeforeAll
  static void start() {
    tapline =
        ServerOnOwnEngine.start(
            dataDir,
            "crash",
            "--ingest.commit-max-records=5000",
            "--ingest.rate-limit-per-second=0");
  }

  @AfterAll
  static void stop() {
    if (tapline != null) {
      tapline.close();
    }
  }

  @Test
  void everyRecordIsStoredExactlyOnceAcrossAnEngineCrash() throws Exception {
    var authed = tapline.channel();

    AtomicLong acked = new AtomicLong();
    EmbeddedClickHouse engine = tapline.engine();
    long pidBefore = engine.pid();
    int restartsBefore = engine.restarts();
    // Its own thread: the engine's restart runs on the common pool (Process.onExit), which a
    // blocked client must not occupy on a 2-core machine.
    ExecutorService clientThread = Executors.newSingleThreadExecutor();
    CompletableFuture<RetryingIngestClient.Result> sending =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return RetryingIngestClient.of(authed, 8)
                    .sendAll(batches(), latency -> acked.incrementAndGet(), Duration.ofMinutes(5));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            },
            clientThread);

    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> acked.get() >= BATCHES / 4 || sending.isDone());
    assertThat(sending).isNotDone(); // the crash must happen mid-stream
    ProcessHandle.of(pidBefore).orElseThrow().destroyForcibly();

    // While the engine is down, JSON clients are told to come back later.
    WebClient http =
        WebClient.builder("http://127.0.0.1:" + tapline.port())
            .addHeader("authorization", "Bearer " + tapline.adminKey())
            .build();
    String json =
        "{\"batch_id\":\"json-during-outage\",\"calls\":[{\"service\":\"crash-json\",\"method\":\"GET\","
            + "\"url\":\"https://a.test/\",\"status_code\":200,\"timestamp\":\""
            + Instant.now().minusSeconds(60)
            + "\"}]}";
    AtomicReference<AggregatedHttpResponse> refused = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              AggregatedHttpResponse r =
                  http.execute(
                          HttpRequest.of(HttpMethod.POST, "/v1/calls:ingest", MediaType.JSON, json))
                      .aggregate()
                      .join();
              if (r.status().code() == 503) {
                refused.set(r);
              }
              return refused.get() != null;
            });
    assertThat(refused.get().headers().get("retry-after")).isNotNull();

    RetryingIngestClient.Result result = sending.get(3, TimeUnit.MINUTES);
    clientThread.shutdown();

    assertThat(engine.restarts()).isGreaterThan(restartsBefore);
    assertThat(result.permanentFailures()).isEmpty();
    assertThat(result.batches()).isEqualTo(BATCHES);
    assertThat(result.retriedBatches()).as("batches sent again after the crash").isPositive();
    try (Connection connection = tapline.server().storage().dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT count(), uniqExact(service, batch_id, id), uniqExact(batch_id) FROM"
                    + " api_calls WHERE service IN ('crash-a', 'crash-b')")) {
      rs.next();
      assertThat(rs.getLong(1)).as("rows").isEqualTo((long) BATCHES * RECORDS_PER_BATCH);
      assertThat(rs.getLong(2))
          .as("distinct records")
          .isEqualTo((long) BATCHES * RECORDS_PER_BATCH);
      assertThat(rs.getLong(3)).as("batches").isEqualTo(BATCHES);
    }
  }

  private static Iterator<IngestRequest> batches() {
    Instant base = Instant.now().minusSeconds(3600);
    return new Iterator<>() {
      int next;

      @Override
      public boolean hasNext() {
        return next < BATCHES;
      }

      @Override
      public IngestRequest next() {
        int b = next++;
        IngestRequest.Builder batch = IngestRequest.newBuilder().setBatchId("crash-" + b);
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
          long millis = base.toEpochMilli() + (long) b * RECORDS_PER_BATCH + i;
          batch.addCalls(
              ApiCall.newBuilder()
                  // No id: the server derives it from the batch id and position.
                  .setTimestamp(
                      Timestamp.newBuilder()
                          .setSeconds(millis / 1000)
                          .setNanos((int) (millis % 1000) * 1_000_000))
                  .setService(i % 2 == 0 ? "crash-a" : "crash-b")
                  .setMethod("POST")
                  .setUrl("https://api.test/orders/" + i + "?page=" + b)
                  .setStatusCode(201)
                  .setLatencyMs(3.5)
                  .setRequestBody(
                      "{\"sku\":\"A-"
                          + i
                          + "\",\"quantity\":2,\"note\":\""
                          + "x".repeat(200)
                          + "\"}")
                  .setResponseBody("{\"id\":\"ord_" + b + "_" + i + "\"}"));
        }
        return batch.build();
      }
    };
  }
}
