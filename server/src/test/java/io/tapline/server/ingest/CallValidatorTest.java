package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.tapline.proto.v1.ApiCall;
import org.junit.jupiter.api.Test;

class CallValidatorTest {

  private final CallValidator validator = new CallValidator();

  private static ApiCall.Builder valid() {
    return ApiCall.newBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(1_790_000_000L))
        .setService("svc")
        .setMethod("GET")
        .setUrl("https://api.example.com/a%20b/c?q=caf%C3%A9&flag&q=second")
        .setStatusCode(200)
        .setLatencyMs(1.25);
  }

  private String refusedField(ApiCall.Builder call) {
    CallValidator.Result result = validator.validate(call.build());
    assertThat(result.accepted()).isFalse();
    return result.field();
  }

  @Test
  void derivesPathQueryAndSizes() {
    CallValidator.Result result = validator.validate(valid().setResponseBody("héllo").build());
    assertThat(result.accepted()).isTrue();
    assertThat(result.record().path()).isEqualTo("/a%20b/c");
    assertThat(result.record().queryParams()).containsEntry("q", "café").containsEntry("flag", "");
    assertThat(result.record().responseBodySize()).isEqualTo(6);
    assertThat(result.record().latencyMicros()).isEqualTo(1250);
    assertThat(result.record().id()).isNotEmpty();
  }

  @Test
  void refusesEachBrokenRuleNamingTheField() {
    assertThat(refusedField(valid().clearTimestamp())).isEqualTo("timestamp");
    assertThat(refusedField(valid().setService(""))).isEqualTo("service");
    assertThat(refusedField(valid().setService("s".repeat(129)))).isEqualTo("service");
    assertThat(refusedField(valid().setMethod("get"))).isEqualTo("method");
    assertThat(refusedField(valid().setUrl(""))).isEqualTo("url");
    assertThat(refusedField(valid().setUrl("http://a b"))).isEqualTo("url");
    assertThat(refusedField(valid().setStatusCode(600))).isEqualTo("status_code");
    assertThat(refusedField(valid().setLatencyMs(-1))).isEqualTo("latency_ms");
    assertThat(refusedField(valid().setLatencyMs(Double.NaN))).isEqualTo("latency_ms");
    assertThat(refusedField(valid().setSourceIp("example.com"))).isEqualTo("source_ip");
    assertThat(refusedField(valid().setId("has space"))).isEqualTo("id");
    assertThat(refusedField(valid().setTraceId("t".repeat(300)))).isEqualTo("trace_id");
  }

  @Test
  void acceptsIpv4AndIpv6Literals() {
    assertThat(validator.validate(valid().setSourceIp("192.0.2.1").build()).accepted()).isTrue();
    assertThat(validator.validate(valid().setSourceIp("::ffff:192.0.2.1").build()).accepted()).isTrue();
  }
}
