package io.tapline.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateApiKeyRequest;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.testing.TestTapline;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * Requests at the edges of what they may say get INVALID_ARGUMENT naming the field, never INTERNAL.
 */
class RequestEdgesIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static final Timestamp FAR =
      Timestamp.newBuilder().setSeconds(Long.MAX_VALUE / 2).build();
  private static final Timestamp BEFORE_1970 = Timestamp.newBuilder().setSeconds(-86_400).build();

  private static Consumer<StatusRuntimeException> invalid(String field) {
    return e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains(field);
    };
  }

  private static void assertInvalid(Executable call, String field) {
    assertThatThrownBy(call::execute)
        .isInstanceOfSatisfying(StatusRuntimeException.class, invalid(field));
  }

  @Test
  void timestampsFarOutsideTheSupportedRangeAreInvalidArguments() {
    var query = QueryServiceGrpc.newBlockingStub(tapline.channel());
    for (Timestamp t : new Timestamp[] {FAR, BEFORE_1970}) {
      assertInvalid(
          () ->
              query.searchCalls(
                  SearchCallsRequest.newBuilder()
                      .setFilter(CallFilter.newBuilder().setStartTime(t))
                      .build()),
          "start_time");
      assertInvalid(
          () ->
              query.getMetrics(
                  GetMetricsRequest.newBuilder()
                      .setFilter(CallFilter.newBuilder().setEndTime(t))
                      .build()),
          "end_time");
      assertInvalid(
          () ->
              AdminServiceGrpc.newBlockingStub(tapline.channel())
                  .createApiKey(
                      CreateApiKeyRequest.newBuilder().addScopes("read").setExpireTime(t).build()),
          "expire_time");
    }
    IngestResponse ingest =
        IngestServiceGrpc.newBlockingStub(tapline.channel())
            .ingest(
                IngestRequest.newBuilder()
                    .addCalls(
                        ApiCall.newBuilder()
                            .setTimestamp(FAR)
                            .setService("edges")
                            .setMethod("GET")
                            .setUrl("https://a.test/")
                            .setStatusCode(200))
                    .build());
    assertThat(ingest.getRejections(0).getField()).isEqualTo("timestamp");
  }

  @Test
  void anAdminKeyCannotBeBoundToAService() {
    assertInvalid(
        () ->
            AdminServiceGrpc.newBlockingStub(tapline.channel())
                .createApiKey(
                    CreateApiKeyRequest.newBuilder()
                        .setName("bound admin")
                        .addScopes("admin")
                        .setService("checkout")
                        .build()),
        "service");
  }
}
