package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.internal.testing.StreamRecorder;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.GetCallRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.SearchCallsResponse;
import io.tapline.server.testing.TestTapline;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The walking skeleton end to end: ingest over gRPC, a stream and JSON; find it all again. */
class TaplineServerIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static final ObjectMapper json = new ObjectMapper();

  /** Recent, whole seconds: calls must be inside the retention period to be kept. */
  private static final Instant base =
      Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).minusSeconds(86_400);

  private static IngestServiceGrpc.IngestServiceBlockingStub ingest;
  private static QueryServiceGrpc.QueryServiceBlockingStub query;

  @BeforeAll
  static void stubs() {
    ingest = IngestServiceGrpc.newBlockingStub(tapline.channel());
    query = QueryServiceGrpc.newBlockingStub(tapline.channel());
  }

  static ApiCall call(String service, String id, Instant at, int status) {
    return ApiCall.newBuilder()
        .setId(id)
        .setTimestamp(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
        .setService(service)
        .setMethod("GET")
        .setUrl("https://api.example.com/users/42?expand=orders&lang=en")
        .setRoute("/users/{id}")
        .setStatusCode(status)
        .setLatencyMs(12.345)
        .putRequestHeaders("accept", "application/json")
        .putResponseHeaders("content-type", "application/json")
        .setResponseBody("{\"id\":42}")
        .setSourceIp("2001:db8::1")
        .putTags("region", "eu")
        .setTraceId("4bf92f3577b34da6a3ce929d0e0e4736")
        .setCustomerId("acme")
        .build();
  }

  private static List<ApiCall> searchAll(String service) {
    return query
        .searchCalls(
            SearchCallsRequest.newBuilder()
                .setFilter(CallFilter.newBuilder().setService(service))
                .setPageSize(1000)
                .build())
        .getCallsList();
  }

  @Test
  void ingestedOverGrpcIsFoundBySearchAndGet() {
    Instant at = base.plusNanos(123_456_000);
    ApiCall sent = call("grpc-unary", "call-1", at, 200);

    IngestResponse response =
        ingest.ingest(IngestRequest.newBuilder().setBatchId("unary-1").addCalls(sent).build());

    assertThat(response.getAccepted()).isEqualTo(1);
    assertThat(response.getRejected()).isZero();
    List<ApiCall> found = searchAll("grpc-unary");
    assertThat(found).hasSize(1);
    ApiCall stored = query.getCall(GetCallRequest.newBuilder().setId("call-1").build());
    assertThat(found.getFirst()).isEqualTo(stored);
    // Derived fields are filled in; everything else comes back as sent.
    assertThat(stored)
        .isEqualTo(
            sent.toBuilder()
                .setPath("/users/42")
                .putQueryParams("expand", "orders")
                .putQueryParams("lang", "en")
                .setResponseBodySize(9)
                .setSampleRate(1)
                .build());
  }

  @Test
  void batchWithAnInvalidRecordStoresTheOthersAndNamesTheBadOne() {
    Instant at = base.minusSeconds(1 * 3600);
    IngestRequest request =
        IngestRequest.newBuilder()
            .addCalls(call("mixed", "ok-1", at, 200))
            .addCalls(call("mixed", "bad", at, 99))
            .addCalls(call("mixed", "ok-2", at.plusSeconds(1), 500))
            .build();

    IngestResponse response = ingest.ingest(request);

    assertThat(response.getAccepted()).isEqualTo(2);
    assertThat(response.getRejected()).isEqualTo(1);
    assertThat(response.getRejections(0).getIndex()).isEqualTo(1);
    assertThat(response.getRejections(0).getField()).isEqualTo("status_code");
    assertThat(response.getBatchId()).isNotEmpty();
    assertThat(searchAll("mixed")).extracting(ApiCall::getId).containsExactly("ok-2", "ok-1");
  }

  @Test
  void sameBatchSentAgainIsStoredOnce() {
    Instant at = base.minusSeconds(2 * 3600);
    IngestRequest request =
        IngestRequest.newBuilder()
            .setBatchId("retried-batch")
            .addCalls(call("retried", "r-1", at, 200))
            .addCalls(call("retried", "r-2", at, 200))
            .build();

    for (int i = 0; i < 3; i++) {
      assertThat(ingest.ingest(request).getAccepted()).isEqualTo(2);
    }

    assertThat(searchAll("retried")).hasSize(2);
  }

  @Test
  void bidirectionalStreamAcksEveryBatchInOrder() throws Exception {
    StreamRecorder<IngestResponse> acks = StreamRecorder.create();
    StreamObserver<IngestRequest> requests =
        IngestServiceGrpc.newStub(tapline.channel()).ingestStream(acks);
    Instant at = base.minusSeconds(3 * 3600);
    for (int batch = 0; batch < 5; batch++) {
      IngestRequest.Builder request = IngestRequest.newBuilder().setBatchId("stream-" + batch);
      for (int i = 0; i < 20; i++) {
        request.addCalls(
            call("streamed", "s-" + batch + "-" + i, at.plusMillis(batch * 100L + i), 200));
      }
      requests.onNext(request.build());
    }
    // A malformed batch gets an error in its ack; the stream goes on.
    requests.onNext(IngestRequest.newBuilder().setBatchId("bad batch id").build());
    requests.onNext(
        IngestRequest.newBuilder()
            .setBatchId("stream-last")
            .addCalls(call("streamed", "s-last", at, 201))
            .build());
    requests.onCompleted();

    assertThat(acks.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    assertThat(acks.getError()).isNull();
    List<IngestResponse> values = acks.getValues();
    assertThat(values)
        .extracting(IngestResponse::getBatchId)
        .containsExactly(
            "stream-0",
            "stream-1",
            "stream-2",
            "stream-3",
            "stream-4",
            "bad batch id",
            "stream-last");
    assertThat(values.subList(0, 5)).allSatisfy(ack -> assertThat(ack.getAccepted()).isEqualTo(20));
    assertThat(values.get(5).getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(values.get(5).getError().getMessage()).contains("batch_id");
    assertThat(values.get(6).getAccepted()).isEqualTo(1);
    assertThat(searchAll("streamed")).hasSize(101);
  }

  @Test
  void pagesWalkEveryCallOnceNewestFirst() {
    Instant at = base.minusSeconds(4 * 3600);
    IngestRequest.Builder request = IngestRequest.newBuilder();
    for (int i = 0; i < 25; i++) {
      // Pairs of calls share a timestamp so the id breaks the tie.
      request.addCalls(call("paged", String.format("p-%02d", i), at.plusSeconds(i / 2), 200));
    }
    ingest.ingest(request.build());

    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      SearchCallsResponse page =
          query.searchCalls(
              SearchCallsRequest.newBuilder()
                  .setFilter(CallFilter.newBuilder().setService("paged"))
                  .setPageSize(10)
                  .setPageToken(token)
                  .build());
      page.getCallsList().forEach(c -> seen.add(c.getId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertThat(pages).isEqualTo(3);
    List<String> expected = new ArrayList<>();
    for (int i = 24; i >= 0; i--) {
      expected.add(String.format("p-%02d", i));
    }
    assertThat(seen).containsExactlyElementsOf(expected);
  }

  @Test
  void searchFiltersByTimeStatusMethodAndRoute() {
    Instant at = base.minusSeconds(5 * 3600);
    ingest.ingest(
        IngestRequest.newBuilder()
            .addCalls(call("filtered", "f-1", at, 200))
            .addCalls(call("filtered", "f-2", at.plusSeconds(60), 404))
            .addCalls(
                call("filtered", "f-3", at.plusSeconds(120), 200).toBuilder()
                    .setMethod("POST")
                    .setRoute("/orders"))
            .build());

    assertThat(ids(CallFilter.newBuilder().setService("filtered").setStatusCode(404)))
        .containsExactly("f-2");
    assertThat(ids(CallFilter.newBuilder().setService("filtered").setMethod("POST")))
        .containsExactly("f-3");
    assertThat(ids(CallFilter.newBuilder().setService("filtered").setRoute("/users/{id}")))
        .containsExactly("f-2", "f-1");
    assertThat(
            ids(
                CallFilter.newBuilder()
                    .setService("filtered")
                    .setStartTime(Timestamp.newBuilder().setSeconds(at.getEpochSecond() + 60))
                    .setEndTime(Timestamp.newBuilder().setSeconds(at.getEpochSecond() + 120))))
        .containsExactly("f-2");
  }

  private static List<String> ids(CallFilter.Builder filter) {
    return query
        .searchCalls(SearchCallsRequest.newBuilder().setFilter(filter).build())
        .getCallsList()
        .stream()
        .map(ApiCall::getId)
        .toList();
  }

  @Test
  void badRequestsGetInvalidArgumentNamingTheField() {
    assertThatThrownBy(
            () ->
                query.searchCalls(
                    SearchCallsRequest.newBuilder().setPageToken("not-a-token").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).startsWith("page_token");
            });
    assertThatThrownBy(
            () -> query.getCall(GetCallRequest.newBuilder().setId("no-such-call").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  private static final String JSON_TIME = base.plusMillis(250).toString();

  @Test
  void jsonOverHttpIngestsSearchesAndGets() throws Exception {
    String body =
        """
        {"batch_id": "json-1", "calls": [
          {"id": "json-call-1", "timestamp": "%s", "service": "json-svc",
           "method": "POST", "url": "https://api.example.com/v1/orders", "status_code": 201,
           "latency_ms": 3.5, "request_body": "{\\"sku\\": \\"A-1\\"}", "tags": {"plan": "pro"}},
          {"service": "json-svc", "method": "GET", "url": "https://api.example.com/", "status_code": 200}
        ]}
        """
            .formatted(JSON_TIME);
    AggregatedHttpResponse ingested = post("/v1/calls:ingest", body);
    assertThat(ingested.status()).isEqualTo(HttpStatus.OK);
    JsonNode ack = json.readTree(ingested.contentUtf8());
    assertThat(ack.get("accepted").asInt()).isEqualTo(1);
    assertThat(ack.get("rejections").get(0).get("field").asText()).isEqualTo("timestamp");

    AggregatedHttpResponse found =
        post("/v1/calls:search", "{\"filter\": {\"service\": \"json-svc\"}}");
    JsonNode calls = json.readTree(found.contentUtf8()).get("calls");
    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).get("id").asText()).isEqualTo("json-call-1");
    assertThat(calls.get(0).get("timestamp").asText()).isEqualTo(JSON_TIME);

    AggregatedHttpResponse one = tapline.http().get("/v1/calls/json-call-1").aggregate().join();
    assertThat(one.status()).isEqualTo(HttpStatus.OK);
    JsonNode call = json.readTree(one.contentUtf8());
    assertThat(call.get("tags").get("plan").asText()).isEqualTo("pro");
    assertThat(call.get("latencyMs").asDouble()).isEqualTo(3.5);
    assertThat(call.get("requestBodySize").asLong()).isEqualTo(14);
  }

  private static AggregatedHttpResponse post(String path, String body) {
    return tapline
        .http()
        .execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON, body))
        .aggregate()
        .join();
  }

  @Test
  void jsonErrorsCarryTheMatchingHttpStatus() throws Exception {
    AggregatedHttpResponse missing = tapline.http().get("/v1/calls/nope").aggregate().join();
    assertThat(missing.status()).isEqualTo(HttpStatus.NOT_FOUND);
    assertThat(json.readTree(missing.contentUtf8()).get("message").asText()).contains("nope");

    AggregatedHttpResponse invalid = post("/v1/calls:search", "{\"page_size\": 5000}");
    assertThat(invalid.status()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(json.readTree(invalid.contentUtf8()).get("message").asText())
        .startsWith("page_size");
  }

  @Test
  void serverAssignsUniqueTimeOrderedIds() {
    Instant at = base.minusSeconds(7 * 3600);
    IngestRequest.Builder request = IngestRequest.newBuilder();
    for (int i = 0; i < 50; i++) {
      request.addCalls(call("generated-ids", "", at, 200));
    }
    assertThat(ingest.ingest(request.build()).getAccepted()).isEqualTo(50);
    Set<String> ids = new HashSet<>();
    searchAll("generated-ids").forEach(c -> ids.add(c.getId()));
    assertThat(ids)
        .hasSize(50)
        .allSatisfy(id -> assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-7.*"));
  }
}
