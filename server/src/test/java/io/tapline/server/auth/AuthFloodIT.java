package io.tapline.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.ListServicesRequest;
import io.tapline.server.testing.TestTapline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An address that fails too often is held off, over gRPC and JSON, while known keys go on. */
class AuthFloodIT {

  @RegisterExtension
  static final TestTapline tapline = new TestTapline().withFlags("--auth.failures-per-minute=3");

  private static Status.Code codeOf(String key) {
    try {
      AdminServiceGrpc.newBlockingStub(tapline.channel(key))
          .listServices(ListServicesRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void madeUpKeysFromOneAddressAreHeldOffAndKnownKeysStillPass() {
    assertThat(codeOf(tapline.adminKey())).isEqualTo(Status.Code.OK);
    for (int i = 0; i < 3; i++) {
      assertThat(codeOf(ApiKeys.generate().key())).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    assertThat(codeOf(ApiKeys.generate().key())).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    AggregatedHttpResponse json =
        tapline
            .http(ApiKeys.generate().key())
            .execute(HttpRequest.of(HttpMethod.POST, "/v1/calls:search", MediaType.JSON, "{}"))
            .aggregate()
            .join();
    assertThat(json.status().code()).isEqualTo(429);
    assertThat(json.headers().get("retry-after")).isNotBlank();
    // The admin key was looked up before: it is cached, and passes.
    assertThat(codeOf(tapline.adminKey())).isEqualTo(Status.Code.OK);
  }
}
