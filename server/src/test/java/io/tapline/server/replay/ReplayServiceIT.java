package io.tapline.server.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.BodyDiff;
import io.tapline.proto.v1.FieldChange;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.ListReplaysRequest;
import io.tapline.proto.v1.ListReplaysResponse;
import io.tapline.proto.v1.Replay;
import io.tapline.proto.v1.ReplayCallRequest;
import io.tapline.proto.v1.ReplayOverrides;
import io.tapline.proto.v1.ReplayServiceGrpc;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.clickhouse.ClickHouseServiceStore;
import io.tapline.server.testing.TestTapline;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ReplayService end to end: a real server on the embedded engine replays stored calls against a
 * real HTTP server on loopback, whose exact address the test service allows.
 */
class ReplayServiceIT {

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline().withFlags("--replay.timeout=3s", "--replay.max-response-bytes=4096");

  static TargetServer target;

  @BeforeAll
  static void setUp() {
    target = new TargetServer();
    ClickHouseServiceStore services =
        new ClickHouseServiceStore(tapline.server().storage().dataSource());
    services.put(
        new ServiceRecord(
            "shop",
            "",
            target.url(""),
            List.of("127.0.0.1"),
            0,
            List.of(),
            ServiceRecord.Otlp.NONE,
            List.of(),
            Instant.now()));
    services.put(
        new ServiceRecord(
            "local-shop",
            "",
            "http://localhost:" + target.port(),
            List.of(),
            0,
            List.of(),
            ServiceRecord.Otlp.NONE,
            List.of(),
            Instant.now()));
    Timestamp now =
        Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 3600).build();
    IngestServiceGrpc.newBlockingStub(tapline.channel())
        .ingest(
            IngestRequest.newBuilder()
                .addCalls(
                    ApiCall.newBuilder()
                        .setId("c-order")
                        .setTimestamp(now)
                        .setService("shop")
                        .setMethod("POST")
                        .setUrl(target.url("/order?token=[masked]&lang=en"))
                        .putRequestHeaders("Authorization", "[masked]")
                        .putRequestHeaders("Content-Type", "application/json")
                        .setRequestBody("{\"sku\":\"A-1\"}")
                        .setStatusCode(200)
                        .setLatencyMs(10)
                        .setResponseBody(
                            "{\"id\":\"ord_1\",\"status\":\"new\",\"total\":42,\"lines\":[1,2],"
                                + "\"coupon\":\"X\"}"))
                .addCalls(call("c-echo", "shop", target.url("/echo"), "{\"sku\":\"A-1\"}", now))
                .addCalls(
                    call(
                        "c-local",
                        "local-shop",
                        "http://localhost:" + target.port() + "/echo",
                        "",
                        now))
                .addCalls(call("c-unregistered", "nobody", target.url("/echo"), "", now))
                .addCalls(
                    call(
                        "c-secret-body",
                        "shop",
                        target.url("/echo"),
                        "{\"user\":\"ann\",\"password\":\"[masked]\"}",
                        now))
                .build());
  }

  @Test
  void anIdReusedByAnotherServiceNeverReachesTheFirstServicesCallOrReplays() {
    Timestamp at = Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 600).build();
    IngestServiceGrpc.newBlockingStub(tapline.channel())
        .ingest(
            IngestRequest.newBuilder()
                .addCalls(call("c-shared", "shop", target.url("/echo"), "{\"from\":\"shop\"}", at))
                .addCalls(
                    call("c-shared", "other", "https://other.test/x", "{\"from\":\"other\"}", at))
                .build());
    Replay shopReplay =
        replay(tapline.adminKey())
            .replayCall(request("c-shared").toBuilder().setService("shop").build());
    assertThat(shopReplay.getService()).isEqualTo("shop");

    String otherKey = tapline.newKey(java.util.Set.of("read", "replay"), "other");
    ApiCall seen =
        io.tapline.proto.v1.QueryServiceGrpc.newBlockingStub(tapline.channel(otherKey))
            .getCall(io.tapline.proto.v1.GetCallRequest.newBuilder().setId("c-shared").build());
    assertThat(seen.getService()).isEqualTo("other");
    assertThat(seen.getRequestBody()).contains("other");
    assertThat(
            replay(otherKey)
                .listReplays(ListReplaysRequest.newBuilder().setCallId("c-shared").build())
                .getReplaysList())
        .isEmpty();
    // Naming the other service finds nothing for this key, as if it did not exist.
    assertThatThrownBy(
            () ->
                replay(otherKey)
                    .listReplays(
                        ListReplaysRequest.newBuilder()
                            .setCallId("c-shared")
                            .setService("shop")
                            .build()))
        .hasMessageContaining("NOT_FOUND");
    // Its own call is the one replayed: not registered, so refused, never the shop's call.
    assertThatThrownBy(() -> replay(otherKey).replayCall(request("c-shared")))
        .hasMessageContaining("FAILED_PRECONDITION")
        .hasMessageContaining("'other'");

    // An admin naming no service is asked to name one.
    assertThatThrownBy(
            () ->
                io.tapline.proto.v1.QueryServiceGrpc.newBlockingStub(tapline.channel())
                    .getCall(
                        io.tapline.proto.v1.GetCallRequest.newBuilder().setId("c-shared").build()))
        .hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("service");
    assertThat(
            replay(tapline.adminKey())
                .listReplays(
                    ListReplaysRequest.newBuilder()
                        .setCallId("c-shared")
                        .setService("shop")
                        .build())
                .getReplaysList())
        .extracting(Replay::getId)
        .containsExactly(shopReplay.getId());
  }

  private static ApiCall call(String id, String service, String url, String body, Timestamp at) {
    return ApiCall.newBuilder()
        .setId(id)
        .setTimestamp(at)
        .setService(service)
        .setMethod("POST")
        .setUrl(url)
        .putRequestHeaders("Authorization", "[masked]")
        .putRequestHeaders("X-Trace", "t-1")
        .setRequestBody(body)
        .setStatusCode(200)
        .setLatencyMs(5)
        .build();
  }

  @AfterAll
  static void tearDown() {
    target.close();
  }

  private static ReplayServiceGrpc.ReplayServiceBlockingStub replay(String key) {
    return ReplayServiceGrpc.newBlockingStub(tapline.channel(key));
  }

  private static ReplayCallRequest request(String callId) {
    return ReplayCallRequest.newBuilder().setCallId(callId).build();
  }

  @Test
  void aReplayIsStoredLinkedToItsCallAndComparedWithIt() {
    Replay replay = replay(tapline.adminKey()).replayCall(request("c-order"));

    assertThat(replay.getCallId()).isEqualTo("c-order");
    assertThat(replay.getService()).isEqualTo("shop");
    assertThat(replay.getReplayedBy()).isEqualTo(ApiKeys.parse(tapline.adminKey()).keyId());
    assertThat(replay.getStatusCode()).isEqualTo(201);
    assertThat(replay.getError()).isEmpty();
    assertThat(replay.getOmittedHeadersList()).containsExactly("Authorization");
    assertThat(replay.getOmittedQueryParamsList()).containsExactly("token");
    assertThat(replay.getRequest().getUrl()).isEqualTo(target.url("/order?lang=en"));
    assertThat(replay.getRequest().getHeadersMap())
        .containsEntry("Content-Type", "application/json")
        .doesNotContainKey("Authorization");
    assertThat(replay.getResponseBody()).contains("\"paid\"");
    assertThat(replay.getLatencyMs()).isPositive();

    var comparison = replay.getComparison();
    assertThat(comparison.getStatusChanged()).isTrue();
    assertThat(comparison.getOriginalStatusCode()).isEqualTo(200);
    assertThat(comparison.getReplayStatusCode()).isEqualTo(201);
    assertThat(comparison.getLatencyDeltaMs()).isEqualTo(replay.getLatencyMs() - 10, within());
    BodyDiff diff = comparison.getBodyDiff();
    assertThat(diff.getKind()).isEqualTo(BodyDiff.Kind.JSON);
    assertThat(diff.getChangedList()).containsExactly(change("/status", "\"new\"", "\"paid\""));
    assertThat(diff.getRemovedList())
        .containsExactlyInAnyOrder(change("/lines/1", "2", ""), change("/coupon", "\"X\"", ""));
    assertThat(diff.getAddedList()).containsExactly(change("/region", "", "\"eu\""));

    ListReplaysResponse listed =
        replay(tapline.adminKey())
            .listReplays(ListReplaysRequest.newBuilder().setCallId("c-order").build());
    Replay stored =
        listed.getReplaysList().stream()
            .filter(r -> r.getId().equals(replay.getId()))
            .findFirst()
            .orElseThrow();
    assertThat(stored).isEqualTo(replay);
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(0.001);
  }

  private static FieldChange change(String path, String before, String after) {
    return FieldChange.newBuilder().setPath(path).setBefore(before).setAfter(after).build();
  }

  @Test
  void aMaskedHeaderIsSentOnlyWithAnOverrideAndStaysMaskedInTheRecord() {
    Replay replay =
        replay(tapline.adminKey())
            .replayCall(
                ReplayCallRequest.newBuilder()
                    .setCallId("c-echo")
                    .setOverrides(
                        ReplayOverrides.newBuilder().putHeaders("Authorization", "Bearer real"))
                    .build());
    assertThat(target.lastEchoHeaders.get())
        .containsEntry("authorization", "Bearer real")
        .containsEntry("x-trace", "t-1");
    Map<String, Object> echo = TargetServer.read(replay.getResponseBody());
    assertThat(echo.get("body")).isEqualTo("{\"sku\":\"A-1\"}");
    // The response is stored masked like any recorded call: the echoed credential is not kept.
    assertThat(echo.get("headers").toString()).contains("authorization=[masked]", "x-trace=t-1");
    assertThat(replay.toString()).doesNotContain("Bearer real");
    assertThat(replay.getOmittedHeadersList()).isEmpty();
    assertThat(replay.getRequest().getHeadersMap()).containsEntry("Authorization", "[masked]");
    assertThat(replay.getOverrides().getHeadersMap()).containsEntry("Authorization", "[masked]");

    Replay without = replay(tapline.adminKey()).replayCall(request("c-echo"));
    assertThat(TargetServer.read(without.getResponseBody()).get("headers").toString())
        .doesNotContain("authorization");
    assertThat(without.getOmittedHeadersList()).containsExactly("Authorization");
  }

  @Test
  void listReplaysPagesNewestFirst() {
    for (int i = 0; i < 3; i++) {
      replay(tapline.adminKey()).replayCall(request("c-echo"));
    }
    var stub = replay(tapline.adminKey());
    ListReplaysResponse first =
        stub.listReplays(
            ListReplaysRequest.newBuilder().setCallId("c-echo").setPageSize(2).build());
    assertThat(first.getReplaysList()).hasSize(2);
    assertThat(first.getNextPageToken()).isNotEmpty();
    ListReplaysResponse second =
        stub.listReplays(
            ListReplaysRequest.newBuilder()
                .setCallId("c-echo")
                .setPageSize(2)
                .setPageToken(first.getNextPageToken())
                .build());
    assertThat(second.getReplaysList()).isNotEmpty();
    List<Replay> all = new java.util.ArrayList<>(first.getReplaysList());
    all.addAll(second.getReplaysList());
    assertThat(all).extracting(Replay::getId).doesNotHaveDuplicates();
    assertThat(all)
        .extracting(
            r -> r.getCreateTime().getSeconds() * 1_000_000_000L + r.getCreateTime().getNanos())
        .isSortedAccordingTo(java.util.Comparator.reverseOrder());
  }

  @Test
  void theJsonApiReplaysAndLists() {
    AggregatedHttpResponse created =
        tapline
            .http()
            .execute(
                HttpRequest.of(
                    HttpMethod.POST,
                    "/v1/calls/c-order/replays",
                    MediaType.JSON,
                    "{\"overrides\":{\"queryParams\":{\"token\":\"t0k\"}}}"))
            .aggregate()
            .join();
    assertThat(created.status().code()).isEqualTo(200);
    Map<String, Object> replay = TargetServer.read(created.contentUtf8());
    assertThat(replay).containsEntry("statusCode", 201).containsEntry("callId", "c-order");
    assertThat(replay.get("request").toString())
        .contains("token=%5Bmasked%5D")
        .doesNotContain("t0k");
    assertThat(replay.get("comparison").toString()).contains("statusChanged=true");

    AggregatedHttpResponse listed =
        tapline.http().get("/v1/calls/c-order/replays").aggregate().join();
    assertThat(listed.status().code()).isEqualTo(200);
    assertThat(listed.contentUtf8()).contains((String) replay.get("id"));

    AggregatedHttpResponse refused =
        tapline
            .http()
            .execute(
                HttpRequest.of(HttpMethod.POST, "/v1/calls/c-local/replays", MediaType.JSON, "{}"))
            .aggregate()
            .join();
    assertThat(refused.status().code()).isEqualTo(400);
    assertThat(refused.contentUtf8()).contains("loopback");
  }

  @Test
  void onlyAdminsAndReplayKeysForTheServiceMayReplay() {
    String readOnly = tapline.newKey(Set.of("read"), "");
    String otherService = tapline.newKey(Set.of("replay"), "billing");
    String shopReplay = tapline.newKey(Set.of("replay", "read"), "shop");
    ListReplaysRequest list = ListReplaysRequest.newBuilder().setCallId("c-echo").build();

    assertThatThrownBy(() -> replay(readOnly).replayCall(request("c-echo")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> replay(readOnly).listReplays(list))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    // A key of another service looks among its own service's calls only, and learns nothing of
    // the shop's: not even that a call of that id exists.
    assertThatThrownBy(() -> replay(otherService).replayCall(request("c-echo")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> replay(otherService).listReplays(list))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    AggregatedHttpResponse json =
        tapline
            .http(readOnly)
            .execute(
                HttpRequest.of(HttpMethod.POST, "/v1/calls/c-echo/replays", MediaType.JSON, "{}"))
            .aggregate()
            .join();
    assertThat(json.status().code()).isEqualTo(403);

    Replay ok = replay(shopReplay).replayCall(request("c-echo"));
    assertThat(ok.getStatusCode()).isEqualTo(200);
    assertThat(ok.getReplayedBy()).isEqualTo(ApiKeys.parse(shopReplay).keyId());
    assertThat(replay(shopReplay).listReplays(list).getReplaysList()).isNotEmpty();
  }

  @Test
  void unsafeTargetsAreRefusedAndNothingIsSentOrStored() {
    int before = target.requests.get();
    var stub = replay(tapline.adminKey());
    Map<ReplayCallRequest, String> refusals =
        Map.of(
            request("c-local"), "localhost resolves to",
            request("c-unregistered"), "not registered",
            request("c-secret-body"), "/password",
            overrideUrl("http://169.254.169.254/latest/meta-data/"), "neither on the base URL",
            overrideUrl("http://127.0.0.1:" + (target.port() + 1) + "/echo"),
                "neither on the base URL",
            overrideUrl("http://0x7f000001:" + target.port() + "/echo"), "notation",
            overrideUrl("http://2130706433:" + target.port() + "/echo"), "notation",
            overrideUrl("ftp://127.0.0.1:" + target.port() + "/echo"), "only http and https");
    refusals.forEach(
        (req, reason) ->
            assertThatThrownBy(() -> stub.replayCall(req))
                .as(req.toString())
                .isInstanceOfSatisfying(
                    StatusRuntimeException.class,
                    e -> {
                      assertThat(e.getStatus().getCode())
                          .isEqualTo(Status.Code.FAILED_PRECONDITION);
                      assertThat(e.getStatus().getDescription()).contains(reason);
                    }));
    assertThat(target.requests.get()).isEqualTo(before);
    assertThat(
            stub.listReplays(ListReplaysRequest.newBuilder().setCallId("c-local").build())
                .getReplaysList())
        .isEmpty();
    assertThatThrownBy(() -> stub.replayCall(request("no-such-call")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  private static ReplayCallRequest overrideUrl(String url) {
    return ReplayCallRequest.newBuilder()
        .setCallId("c-echo")
        .setOverrides(ReplayOverrides.newBuilder().setUrl(url))
        .build();
  }
}
