package io.tapline.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.clickhouse.ClickHouseApiKeyStore;
import io.tapline.server.testing.TestTapline;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every endpoint needs a key of the right scope; bad keys get the right status. */
class AuthIT {

  @RegisterExtension
  static final TestTapline tapline = new TestTapline().withFlags("--auth.cache-ttl=1s");

  private static IngestRequest batch(String service) {
    return IngestRequest.newBuilder()
        .addCalls(
            ApiCall.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                .setService(service)
                .setMethod("GET")
                .setUrl("https://x.test/")
                .setStatusCode(200)
                .setCustomerId("from-call"))
        .build();
  }

  private static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void missingMalformedAndUnknownKeysAreUnauthenticated() {
    String wellFormedButUnknown = ApiKeys.generate().key();
    String valid = tapline.newKey(Set.of("admin"), "", "", "");
    char last = valid.charAt(valid.length() - 1);
    String badChecksum = valid.substring(0, valid.length() - 1) + (last == 'a' ? 'b' : 'a');
    for (String key : new String[] {null, "hello", badChecksum, wellFormedButUnknown}) {
      assertThat(
              codeOf(
                  () -> IngestServiceGrpc.newBlockingStub(tapline.channel(key)).ingest(batch("a"))))
          .as("key %s", key)
          .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    AggregatedHttpResponse json =
        tapline
            .http(null)
            .execute(HttpRequest.of(HttpMethod.POST, "/v1/calls:search", MediaType.JSON, "{}"))
            .aggregate()
            .join();
    assertThat(json.status().code()).isEqualTo(401);
    assertThat(json.contentUtf8()).contains("authorization: Bearer");
  }

  @Test
  void scopesAreEnforced() {
    String ingestOnly = tapline.newKey(Set.of("ingest"), "orders", "", "");
    String readOnly = tapline.newKey(Set.of("read"), "", "", "");
    assertThat(
            codeOf(
                () ->
                    QueryServiceGrpc.newBlockingStub(tapline.channel(ingestOnly))
                        .searchCalls(SearchCallsRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            codeOf(
                () ->
                    IngestServiceGrpc.newBlockingStub(tapline.channel(readOnly))
                        .ingest(batch("orders"))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            codeOf(
                () ->
                    QueryServiceGrpc.newBlockingStub(tapline.channel(readOnly))
                        .searchCalls(SearchCallsRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.OK);
  }

  @Test
  void anIngestKeyIsBoundToItsServiceAndStampsItsCustomerAndPlan() {
    String key = tapline.newKey(Set.of("ingest"), "billing", "acme", "enterprise");
    var ingest = IngestServiceGrpc.newBlockingStub(tapline.channel(key));

    IngestResponse other = ingest.ingest(batch("not-billing"));
    assertThat(other.getAccepted()).isZero();
    assertThat(other.getRejections(0).getField()).isEqualTo("service");

    assertThat(ingest.ingest(batch("billing")).getAccepted()).isEqualTo(1);
    ApiCall stored =
        QueryServiceGrpc.newBlockingStub(tapline.channel())
            .searchCalls(
                SearchCallsRequest.newBuilder()
                    .setFilter(CallFilter.newBuilder().setService("billing"))
                    .build())
            .getCalls(0);
    assertThat(stored.getCustomerId()).isEqualTo("acme");
    assertThat(stored.getPlan()).isEqualTo("enterprise");
  }

  @Test
  void revokedAndExpiredKeysStopWorkingWithinTheCacheTtl() {
    ApiKeys.Generated generated = ApiKeys.generate();
    ClickHouseApiKeyStore store =
        new ClickHouseApiKeyStore(tapline.server().storage().dataSource());
    ApiKeyRecord record =
        new ApiKeyRecord(
            generated.keyId(),
            "revoked later",
            generated.secretHash(),
            Set.of("ingest"),
            "svc",
            "",
            "",
            Instant.now(),
            null,
            false);
    store.put(record); // as another replica would: this one knows the key within a second
    var ingest = IngestServiceGrpc.newBlockingStub(tapline.channel(generated.key()));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> codeOf(() -> ingest.ingest(batch("svc"))) == Status.Code.OK);

    store.put(record.revoke());

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> codeOf(() -> ingest.ingest(batch("svc"))) == Status.Code.UNAUTHENTICATED);

    String expired = ApiKeys.generate().key();
    ApiKeys.Parsed parsed = ApiKeys.parse(expired);
    store.put(
        new ApiKeyRecord(
            parsed.keyId(),
            "expired",
            ApiKeys.hash(parsed.secret()),
            Set.of("admin"),
            "",
            "",
            "",
            Instant.now().minusSeconds(60),
            Instant.now().minusSeconds(1),
            false));
    var withExpired = IngestServiceGrpc.newBlockingStub(tapline.channel(expired));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> withExpired.ingest(batch("svc")))
                    .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).contains("expired")));
  }

  @Test
  void healthNeedsNoKey() {
    var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(tapline.channel(null));
    assertThat(health.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }
}
