package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.ExportCallsRequest;
import io.tapline.proto.v1.ExportCallsResponse;
import io.tapline.proto.v1.ExportFormat;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.server.testing.DuckDb;
import io.tapline.server.testing.TestTapline;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports through the real server, read back by an independent reader (DuckDB): the rows and
 * columns the filter and the request ask for, values masked as stored, the same file over HTTP and
 * over the streaming RPC, and the caller's scope.
 */
class ExportIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  @TempDir static Path files;

  private static final int CALLS = 300;
  private static final Instant BASE = Instant.now().minusSeconds(3600);
  private static double latencySum;

  @BeforeAll
  static void ingest() {
    var ingest = IngestServiceGrpc.newBlockingStub(tapline.channel());
    List<ApiCall> calls = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      double latency = 1 + i * 0.25;
      latencySum += latency;
      calls.add(
          call("export-a", i, latency)
              .putRequestHeaders("authorization", "Bearer s3cret-" + i)
              .setRequestBody("{\"user\": \"u" + i + "\", \"password\": \"hunter2\"}")
              // About 6 KB each: the JSON Lines file is over one streamed chunk.
              .setResponseBody("{\"items\": \"" + "x".repeat(6000) + i + "\"}")
              .build());
    }
    for (int i = 0; i < 40; i++) {
      calls.add(call("export-b", i, 5).build());
    }
    assertThat(
            ingest
                .ingest(
                    IngestRequest.newBuilder().setBatchId("export-1").addAllCalls(calls).build())
                .getAccepted())
        .isEqualTo(CALLS + 40);
  }

  private static ApiCall.Builder call(String service, int i, double latency) {
    Instant at = BASE.plusMillis(i * 100L);
    return ApiCall.newBuilder()
        .setId(service + "-" + i)
        .setTimestamp(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
        .setService(service)
        .setMethod("POST")
        .setUrl("https://api.example.com/v1/login?api_key=k" + i)
        .setRoute("/v1/login")
        .setStatusCode(i % 10 == 0 ? 503 : 200)
        .setLatencyMs(latency)
        .setCustomerId("c" + i % 3);
  }

  private static String request(String json) {
    return json.replace("BASE", BASE.minusSeconds(1).toString());
  }

  private static AggregatedHttpResponse download(String key, String json) {
    return tapline.postJson(key, ExportHttpService.PATH, request(json));
  }

  private static Path save(String name, byte[] bytes) throws Exception {
    Path file = files.resolve(name);
    Files.write(file, bytes);
    return file;
  }

  @Test
  void parquetDownloadHasEveryCallOfTheFilterWithMaskedValues() throws Exception {
    AggregatedHttpResponse response =
        download(
            tapline.adminKey(),
            "{\"filter\": {\"service\": \"export-a\", \"startTime\": \"BASE\"}}");
    assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
    assertThat(response.contentType().toString()).isEqualTo("application/vnd.apache.parquet");
    assertThat(response.headers().get("x-tapline-export-schema")).isEqualTo("2");
    assertThat(response.headers().get("content-disposition")).contains(".parquet");
    Path file = save("a.parquet", response.content().array());

    String source = "read_parquet('" + file + "')";
    assertThat(
            DuckDb.rows(
                "SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE status_code = 503),"
                    + " round(sum(latency_ms), 3) FROM "
                    + source))
        .containsExactly(
            List.of(
                Integer.toString(CALLS),
                Integer.toString(CALLS),
                Integer.toString(CALLS / 10),
                Double.toString(Math.round(latencySum * 1000) / 1000.0)));
    // Masked as stored: no secret of a header, a body field or the url leaves the server.
    assertThat(
            DuckDb.rows(
                "SELECT count(*) FROM "
                    + source
                    + " WHERE CAST(request_headers AS VARCHAR) LIKE '%[masked]%'"
                    + " AND request_body LIKE '%\"password\": \"[masked]\"%'"
                    + " AND url LIKE '%api_key=[masked]%'"))
        .containsExactly(List.of(Integer.toString(CALLS)));
    assertThat(
            DuckDb.rows("SELECT count(*) FROM " + source + " WHERE request_body LIKE '%hunter2%'"))
        .containsExactly(List.of("0"));
    List<String> columns =
        DuckDb.rows("SELECT column_name FROM (DESCRIBE SELECT * FROM " + source + ")").stream()
            .map(r -> r.get(0))
            .toList();
    assertThat(columns)
        .startsWith("timestamp", "id", "service", "method", "url")
        .contains("latency_ms", "request_headers", "tags", "trace_id", "customer_id", "plan")
        .doesNotContain("latency_us", "batch_id");
    assertThat(response.headers().get("x-tapline-export-columns"))
        .isEqualTo(String.join(",", columns));
  }

  @Test
  void csvAndJsonLinesWithChosenColumns() throws Exception {
    String columns = "\"columns\": [\"id\", \"status_code\", \"latency_ms\", \"customer_id\"]";
    AggregatedHttpResponse csv =
        download(
            tapline.adminKey(),
            "{\"filter\": {\"service\": \"export-a\", \"startTime\": \"BASE\", \"customerId\":"
                + " \"c1\"}, \"format\": \"EXPORT_FORMAT_CSV\", "
                + columns
                + "}");
    assertThat(csv.status().code()).as(csv.contentUtf8()).isEqualTo(200);
    assertThat(csv.contentUtf8())
        .startsWith("\"id\",\"status_code\",\"latency_ms\",\"customer_id\"\n");
    Path csvFile = save("a.csv", csv.content().array());
    long c1 = java.util.stream.IntStream.range(0, CALLS).filter(i -> i % 3 == 1).count();
    assertThat(
            DuckDb.rows(
                "SELECT count(*), min(customer_id), max(customer_id) FROM read_csv('"
                    + csvFile
                    + "', header = true)"))
        .containsExactly(List.of(Long.toString(c1), "c1", "c1"));

    AggregatedHttpResponse jsonLines =
        download(
            tapline.adminKey(),
            "{\"filter\": {\"service\": \"export-a\", \"startTime\": \"BASE\"},"
                + " \"format\": \"EXPORT_FORMAT_JSON_LINES\", "
                + columns
                + "}");
    assertThat(jsonLines.status().code()).isEqualTo(200);
    assertThat(jsonLines.contentType().toString()).isEqualTo("application/x-ndjson");
    assertThat(jsonLines.contentUtf8().lines().count()).isEqualTo(CALLS);
    Path jsonFile = save("a.jsonl", jsonLines.content().array());
    assertThat(
            DuckDb.rows(
                "SELECT count(*), round(sum(latency_ms), 3) FROM read_json('"
                    + jsonFile
                    + "', format = 'newline_delimited')"))
        .containsExactly(
            List.of(
                Integer.toString(CALLS), Double.toString(Math.round(latencySum * 1000) / 1000.0)));
  }

  @Test
  void theStreamingRpcSendsTheSameFileInChunks() throws Exception {
    var query = QueryServiceGrpc.newBlockingStub(tapline.channel());
    ExportCallsRequest request =
        ExportCallsRequest.newBuilder()
            .setFilter(
                CallFilter.newBuilder()
                    .setService("export-a")
                    .setStartTime(
                        Timestamp.newBuilder().setSeconds(BASE.getEpochSecond() - 1).build()))
            .setFormat(ExportFormat.EXPORT_FORMAT_JSON_LINES)
            .build();
    Iterator<ExportCallsResponse> stream = query.exportCalls(request);
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    List<ExportCallsResponse> messages = new ArrayList<>();
    while (stream.hasNext()) {
      ExportCallsResponse m = stream.next();
      messages.add(m);
      m.getData().writeTo(file);
    }
    assertThat(messages.size()).as("over %d bytes", file.size()).isGreaterThan(1);
    assertThat(messages.get(0).getSchemaVersion()).isEqualTo(2);
    assertThat(messages.get(0).getContentType()).isEqualTo("application/x-ndjson");
    assertThat(messages.get(0).getColumnsList()).contains("id", "latency_ms");
    assertThat(messages.get(1).getColumnsList()).isEmpty();
    Path saved = save("rpc.jsonl", file.toByteArray());
    assertThat(
            DuckDb.rows(
                "SELECT count(*), count(DISTINCT id) FROM read_json('"
                    + saved
                    + "', format = 'newline_delimited')"))
        .containsExactly(List.of(Integer.toString(CALLS), Integer.toString(CALLS)));
  }

  @Test
  void aKeySeesItsOwnServiceOnlyAndBadRequestsSayWhy() throws Exception {
    String bound = tapline.newKey(Set.of("read"), "export-b");
    AggregatedHttpResponse other =
        download(bound, "{\"filter\": {\"service\": \"export-a\", \"startTime\": \"BASE\"}}");
    assertThat(other.status().code()).isEqualTo(403);
    AggregatedHttpResponse own =
        download(
            bound, "{\"filter\": {\"startTime\": \"BASE\"}, \"format\": \"EXPORT_FORMAT_CSV\"}");
    assertThat(own.status().code()).isEqualTo(200);
    assertThat(own.contentUtf8().lines().count()).isEqualTo(1 + 40);
    assertThat(own.contentUtf8()).doesNotContain("export-a");

    String sender = tapline.newKey(Set.of("ingest"), "export-a");
    assertThat(download(sender, "{}").status().code()).isEqualTo(403);
    assertThat(download(null, "{}").status().code()).isEqualTo(401);
    AggregatedHttpResponse unknown = download(tapline.adminKey(), "{\"columns\": [\"secret\"]}");
    assertThat(unknown.status().code()).isEqualTo(400);
    assertThat(unknown.contentUtf8()).contains("no column", "secret", "in the export schema");
    assertThat(download(tapline.adminKey(), "{\"format\": 9}").status().code()).isEqualTo(400);
    assertThat(download(tapline.adminKey(), "not json").status().code()).isEqualTo(400);

    var query =
        QueryServiceGrpc.newBlockingStub(tapline.channel(bound))
            .exportCalls(
                ExportCallsRequest.newBuilder()
                    .setFilter(CallFilter.newBuilder().setService("export-a"))
                    .build());
    org.assertj.core.api.Assertions.assertThatThrownBy(query::hasNext)
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("PERMISSION_DENIED");
  }
}
