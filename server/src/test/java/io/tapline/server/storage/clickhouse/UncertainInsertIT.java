package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An INSERT that gets no answer in time may still commit. The writer then sends the same rows
 * again, with the same token, before writing anything else, and the engine stores them once. Here a
 * slow materialized view holds the INSERT past the writer's timeout; the engine goes on and commits
 * it, and the rows must still be stored once.
 */
class UncertainInsertIT {

  private static ClickHouseStorage storage;

  @BeforeAll
  static void open() {
    storage = SharedClickHouse.openStorage(UncertainInsertIT.class, 2);
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  private static long count(String sql) throws Exception {
    try (Connection c = storage.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(String sql) throws Exception {
    try (Connection c = storage.dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  static List<CallRecord> calls(String prefix, int n) {
    List<CallRecord> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(
          new CallRecord(
              prefix + "-" + i,
              Instant.now().minusSeconds(30),
              "uncertain",
              "GET",
              "https://a.test/" + prefix + "/" + i,
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

  @Test
  void anInsertLeftWithoutAnAnswerIsStoredOnceEvenWhenItCommitsLate() throws Exception {
    ClickHouseCallWriter writer =
        new ClickHouseCallWriter(storage.ingestPool(), storage.database(), Duration.ofSeconds(1));
    // About 3 s per INSERT of 20 rows: past the writer's timeout.
    execute(
        "CREATE MATERIALIZED VIEW slow_view ENGINE = Null"
            + " AS SELECT sleepEachRow(0.15) AS s FROM api_calls");
    // Without a batch id: no look-up of stored rows can hide a duplicate here.
    CallBatch late = new CallBatch("late", calls("late", 20), Map.of("uncertain", 30), false);
    assertThatThrownBy(() -> writer.insert(List.of(ClickHouseCallWriter.encodeRows(late))))
        .isInstanceOf(RetryLaterException.class);
    // The engine went on and committed the INSERT after the writer gave up on it.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> count("SELECT count() FROM api_calls WHERE url LIKE '%/late/%'") == 20);
    execute("DROP VIEW slow_view");

    CallBatch next = new CallBatch("next", calls("next", 5), Map.of("uncertain", 30), false);
    writer.insert(List.of(ClickHouseCallWriter.encodeRows(next)));
    assertThat(count("SELECT count() FROM api_calls WHERE url LIKE '%/late/%'")).isEqualTo(20);
    assertThat(count("SELECT count() FROM api_calls WHERE url LIKE '%/next/%'")).isEqualTo(5);
  }
}
