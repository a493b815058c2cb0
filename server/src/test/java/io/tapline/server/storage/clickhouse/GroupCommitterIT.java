package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.testing.SharedClickHouse;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The group committer over the real writer: a gate in front of the writer holds a commit in
 * progress so the queue's states can be observed.
 */
class GroupCommitterIT {

  private static ClickHouseStorage storage;

  @BeforeAll
  static void open() {
    storage = SharedClickHouse.openStorage(GroupCommitterIT.class, 2);
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  /** The real writer, whose inserts start only once the gate opens. */
  private static final class GatedWriter implements GroupCommitter.RowWriter {
    final CountDownLatch gate = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final ClickHouseCallWriter writer =
        new ClickHouseCallWriter(storage.dataSource(), storage.database(), Duration.ofSeconds(15));

    @Override
    public List<CallBatch> insert(List<ClickHouseCallWriter.EncodedRows> batches) {
      entered.countDown();
      try {
        gate.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return writer.insert(batches);
    }
  }

  private static GroupCommitter committer(
      GroupCommitter.RowWriter writer, int records, long bytes, Duration retryAfter, int workers) {
    return new GroupCommitter(
        writer,
        new GroupCommitter.Settings(records, bytes, 1000, Duration.ZERO, retryAfter, workers),
        new SimpleMeterRegistry(),
        Tags.empty(),
        "the store");
  }

  private static List<CallRecord> calls(String service, int n) {
    List<CallRecord> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(
          new CallRecord(
              service + "-" + i + "-" + System.nanoTime(),
              Instant.now().minusSeconds(60),
              service,
              "GET",
              "https://a.test/",
              "/",
              "/",
              Map.of(),
              Map.of(),
              Map.of(),
              "",
              0,
              "",
              0,
              200,
              1,
              "",
              "",
              Map.of(),
              "",
              "",
              "",
              "",
              "",
              1,
              false,
              false,
              Map.of(),
              Map.of()));
    }
    return calls;
  }

  private static CallBatch batch(String id, List<CallRecord> calls, boolean mayBeStored) {
    return new CallBatch(id, calls, Map.of(calls.getFirst().service(), 30), mayBeStored);
  }

  private static long rows(String service) throws Exception {
    try (Connection c = storage.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count() FROM api_calls WHERE service = '" + service + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Throwable failure(CompletableFuture<List<CallRecord>> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void aFullQueueRefusesWithRetryInformationAndAcksOnlyAfterCommit() throws Exception {
    GatedWriter writer = new GatedWriter();
    try (GroupCommitter committer =
        committer(writer, 10, Long.MAX_VALUE, Duration.ofMillis(700), 1)) {
      CompletableFuture<List<CallRecord>> first =
          committer.submit(null, batch("q-1", calls("queue", 5), false));
      assertThat(writer.entered.await(30, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<List<CallRecord>> second =
          committer.submit(null, batch("q-2", calls("queue", 5), false));
      CompletableFuture<List<CallRecord>> third =
          committer.submit(null, batch("q-3", calls("queue", 1), false));

      assertThat(failure(third))
          .isInstanceOfSatisfying(
              RetryLaterException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(RetryLaterException.Reason.OVERLOADED);
                assertThat(e.retryAfter()).isEqualTo(Duration.ofMillis(700));
              });
      assertThat(first).isNotDone(); // not acknowledged before its commit
      writer.gate.countDown();
      assertThat(failure(first)).isNull();
      assertThat(failure(second)).isNull();
      assertThat(rows("queue")).isEqualTo(10);
    }
  }

  @Test
  void theQueueIsBoundedInBytesToo() throws Exception {
    GatedWriter writer = new GatedWriter();
    CallBatch big = batch("y-1", calls("bytes", 50), false);
    long bytes = ClickHouseCallWriter.encodeRows(big).bytes();
    assertThat(bytes).isGreaterThan(50 * 20);
    // Room for the records of many batches, but for the bytes of about one and a half.
    try (GroupCommitter committer =
        committer(writer, 1_000_000, bytes * 3 / 2, Duration.ofMillis(700), 1)) {
      CompletableFuture<List<CallRecord>> first = committer.submit(null, big);
      assertThat(writer.entered.await(30, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<List<CallRecord>> second =
          committer.submit(null, batch("y-2", calls("bytes", 50), false));
      assertThat(failure(second))
          .isInstanceOfSatisfying(
              RetryLaterException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(RetryLaterException.Reason.OVERLOADED);
                assertThat(e.getMessage()).contains("bytes");
              });
      writer.gate.countDown();
      assertThat(failure(first)).isNull();
      assertThat(rows("bytes")).isEqualTo(50);
      // The bytes are released with the commit: the next batch fits again.
      assertThat(failure(committer.submit(null, batch("y-3", calls("bytes", 50), false)))).isNull();
    }
  }

  @Test
  void aBatchSentAgainWhileInFlightSharesTheFirstWrite() throws Exception {
    GatedWriter writer = new GatedWriter();
    try (GroupCommitter committer =
        committer(writer, 1000, Long.MAX_VALUE, Duration.ofSeconds(1), 2)) {
      List<CallRecord> calls = calls("coalesce", 3);
      // The first copy is not committed before the gate opens, so the writer's look-up cannot
      // find it for the second copy (with two workers, both could be written at once): only
      // coalescing can keep the second copy out.
      CompletableFuture<List<CallRecord>> a = committer.submit("key", batch("b-1", calls, true));
      CompletableFuture<List<CallRecord>> b = committer.submit("key", batch("b-1", calls, true));
      writer.gate.countDown();
      assertThat(failure(a)).isNull();
      assertThat(failure(b)).isNull();
      assertThat(rows("coalesce")).isEqualTo(3);
      // Only the first copy reports the calls as stored (to the alert rules, for example).
      assertThat(a.join()).containsExactlyElementsOf(calls);
      assertThat(b.join()).isEmpty();
    }
  }

  @Test
  void anUnreachableStoreFailsBatchesAsUnavailable() throws Exception {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:clickhouse://127.0.0.1:" + deadPort + "/default");
    config.setDriverClassName("com.clickhouse.jdbc.Driver");
    config.setUsername("default");
    config.setPassword("");
    config.setConnectionTimeout(500);
    config.setInitializationFailTimeout(-1);
    try (HikariDataSource dead = new HikariDataSource(config);
        GroupCommitter committer =
            committer(
                new ClickHouseCallWriter(dead, "default", Duration.ofSeconds(15)),
                1000,
                Long.MAX_VALUE,
                Duration.ofSeconds(30),
                1)) {
      assertThat(failure(committer.submit(null, batch("d-1", calls("dead", 2), true))))
          .isInstanceOfSatisfying(
              RetryLaterException.class,
              e -> assertThat(e.reason()).isEqualTo(RetryLaterException.Reason.UNAVAILABLE));
      // Within retry-after, batches are refused at once without trying the store.
      assertThat(failure(committer.submit(null, batch("d-2", calls("dead", 2), true))))
          .isInstanceOf(RetryLaterException.class);
    }
  }
}
