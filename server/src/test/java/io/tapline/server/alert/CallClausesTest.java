package io.tapline.server.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tapline.proto.v1.CallClause;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.storage.CallRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallClausesTest {

  private static CallRecord call(
      int status, long latencyMicros, String error, Map<String, String> tags) {
    return new CallRecord(
        "c1",
        Instant.now(),
        "checkout",
        "POST",
        "https://x.test/v1/orders",
        "/v1/orders",
        "/v1/orders",
        Map.of(),
        Map.of(),
        Map.of(),
        "",
        0,
        "",
        0,
        status,
        latencyMicros,
        error,
        "203.0.113.7",
        tags,
        "",
        "",
        "acme",
        "",
        "gold",
        1,
        false,
        false,
        Map.of(),
        Map.of());
  }

  private static boolean matches(String field, String op, String value, CallRecord call) {
    CallClause clause = CallClause.newBuilder().setField(field).setOp(op).setValue(value).build();
    return CallClauses.matches(List.of(CallClauses.compile(clause, "c")), call);
  }

  @Test
  void numbersCompare() {
    CallRecord slow = call(503, 1_500_000, "", Map.of());
    assertThat(matches("status_code", ">=", "500", slow)).isTrue();
    assertThat(matches("status_code", "<", "500", slow)).isFalse();
    assertThat(matches("latency_ms", ">", "1000", slow)).isTrue();
    assertThat(matches("latency_ms", "<=", "1000", slow)).isFalse();
    assertThat(matches("status_code", "!=", "503", slow)).isFalse();
    CallClause in =
        CallClause.newBuilder()
            .setField("status_code")
            .setOp("in")
            .addValues("502")
            .addValues("503")
            .build();
    assertThat(CallClauses.matches(List.of(CallClauses.compile(in, "c")), slow)).isTrue();
  }

  @Test
  void stringsTagsAndBooleansCompare() {
    CallRecord failed = call(200, 1000, "timeout", Map.of("region", "eu-west-1"));
    assertThat(matches("method", "=", "POST", failed)).isTrue();
    assertThat(matches("route", "matches", "^/v1/ord", failed)).isTrue();
    assertThat(matches("route", "matches", "^/v2/", failed)).isFalse();
    assertThat(matches("tag.region", "=", "eu-west-1", failed)).isTrue();
    assertThat(matches("tag.zone", "=", "", failed)).as("a missing tag reads as empty").isTrue();
    assertThat(matches("has_error", "=", "true", failed)).isTrue();
    assertThat(matches("has_error", "!=", "true", failed)).isFalse();
    assertThat(matches("plan", "!=", "gold", failed)).isFalse();
  }

  @Test
  void errorsNameTheField() {
    assertThatThrownBy(
            () ->
                CallClauses.compile(
                    CallClause.newBuilder().setField("size").setOp("=").build(), "rule.x"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("rule.x.field: unknown field 'size'");
    assertThatThrownBy(
            () ->
                CallClauses.compile(
                    CallClause.newBuilder()
                        .setField("has_error")
                        .setOp("<")
                        .setValue("true")
                        .build(),
                    "rule.x"))
        .hasMessageStartingWith("rule.x.op: operator '<' is not valid for boolean field has_error");
    assertThatThrownBy(
            () ->
                CallClauses.compile(
                    CallClause.newBuilder().setField("method").setOp("in").build(), "rule.x"))
        .hasMessageStartingWith("rule.x.values:");
  }

  @Test
  void matchesUseALinearTimeEngine() {
    CallRecord call = call(200, 10, "", Map.of());
    String hostile = "a".repeat(50_000) + "!";
    CallRecord long_ =
        new CallRecord(
            call.id(),
            call.timestamp(),
            call.service(),
            call.method(),
            call.url(),
            hostile,
            hostile,
            call.queryParams(),
            call.requestHeaders(),
            call.responseHeaders(),
            call.requestBody(),
            call.requestBodySize(),
            call.responseBody(),
            call.responseBodySize(),
            call.statusCode(),
            call.latencyMicros(),
            call.error(),
            call.sourceIp(),
            call.tags(),
            call.traceId(),
            call.spanId(),
            call.customerId(),
            call.apiKeyId(),
            call.plan(),
            call.sampleRate(),
            false,
            false,
            Map.of(),
            Map.of());
    // Exponential for a backtracking engine on this text; linear for RE2.
    assertThat(matches("route", "matches", "^(a+)+$", long_)).isFalse();
    assertThat(matches("route", "matches", "(a|aa)*c", long_)).isFalse();
    // Backreferences need backtracking: RE2 refuses them when the rule is saved.
    assertThatThrownBy(
            () ->
                CallClauses.compile(
                    CallClause.newBuilder()
                        .setField("route")
                        .setOp("matches")
                        .setValue("(a)\\1")
                        .build(),
                    "rule.per_call.clauses[0]"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("rule.per_call.clauses[0].value")
        .hasMessageContaining("RE2");
  }
}
