package io.tapline.server.query;

import com.google.protobuf.Timestamp;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.testing.TestTapline;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;

/**
 * Makes searches slow on purpose: 30 calls of service {@code slow} are stored, then the calls table
 * of the test's database is replaced by a view that sleeps half a second per row, so a search of
 * them runs about 15 s when nothing stops it. Searches of another service skip those rows by the
 * table's order and answer at once.
 */
final class SlowCalls {

  private SlowCalls() {}

  static void install(TestTapline tapline) throws Exception {
    IngestRequest.Builder batch = IngestRequest.newBuilder();
    for (int i = 0; i < 30; i++) {
      batch.addCalls(
          ApiCall.newBuilder()
              .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 60))
              .setService("slow")
              .setMethod("GET")
              .setUrl("https://a.test/" + i)
              .setStatusCode(200));
    }
    IngestServiceGrpc.newBlockingStub(tapline.channel()).ingest(batch.build());
    execute(tapline, "RENAME TABLE api_calls TO api_calls_stored");
    execute(
        tapline,
        "CREATE VIEW api_calls AS SELECT * FROM api_calls_stored WHERE sleepEachRow(0.5) = 0"
            + " SETTINGS function_sleep_max_microseconds_per_block = 100000000");
  }

  private static void execute(TestTapline tapline, String sql) throws Exception {
    try (Connection c = tapline.server().storage().dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** Searches of the test's database running in the engine now. */
  static long runningSearches(TestTapline tapline) throws Exception {
    try (Connection c = tapline.server().storage().dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count() FROM system.processes WHERE query LIKE '%FROM api_calls%'"
                    + " AND query NOT LIKE '%system.processes%' AND current_database = '"
                    + tapline.server().storage().database()
                    + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** SELECT queries that failed in the engine since it started, all databases together. */
  static long failedSelects(TestTapline tapline) throws Exception {
    try (Connection c = tapline.server().storage().dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT sum(value) FROM system.events WHERE event = 'FailedSelectQuery'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** A search of the slow calls. */
  static SearchCallsRequest slowSearch() {
    return SearchCallsRequest.newBuilder()
        .setFilter(CallFilter.newBuilder().setService("slow"))
        .setPageSize(100)
        .build();
  }

  /** A search that finds nothing, at once. */
  static SearchCallsRequest quickSearch() {
    return SearchCallsRequest.newBuilder()
        .setFilter(CallFilter.newBuilder().setService("none"))
        .build();
  }
}
