package io.tapline.server.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.Durations;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.Aggregate;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.CallClause;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.DeleteAlertRuleRequest;
import io.tapline.proto.v1.GetAlertRuleRequest;
import io.tapline.proto.v1.ListAlertRulesRequest;
import io.tapline.proto.v1.PerCallCondition;
import io.tapline.proto.v1.Severity;
import io.tapline.proto.v1.UpdateAlertRuleRequest;
import io.tapline.proto.v1.Webhook;
import io.tapline.proto.v1.WindowedCondition;
import io.tapline.server.testing.TestTapline;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rule management over gRPC and JSON: validation naming the field, CRUD, secrets never shown. */
class AlertRulesIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static AlertServiceGrpc.AlertServiceBlockingStub alerts;

  @BeforeAll
  static void stubs() {
    alerts = AlertServiceGrpc.newBlockingStub(tapline.channel());
  }

  private static AlertRule windowed(com.google.protobuf.Duration window) {
    return AlertRule.newBuilder()
        .setService("checkout")
        .setEnabled(true)
        .setWindowed(
            WindowedCondition.newBuilder()
                .setAggregate(Aggregate.LATENCY_P95)
                .setThreshold(250)
                .setWindow(window))
        .build();
  }

  private static void assertInvalid(AlertRule rule, String field) {
    assertThatThrownBy(
            () -> alerts.createAlertRule(CreateAlertRuleRequest.newBuilder().setRule(rule).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).startsWith(field + ":");
            });
  }

  @Test
  void invalidRulesAreRefusedNamingTheField() {
    AlertRule.Builder perCall = AlertFixtures.perCallServerErrors("checkout", 1000).toBuilder();
    assertInvalid(
        perCall
            .clone()
            .setPerCall(
                PerCallCondition.newBuilder()
                    .addClauses(
                        CallClause.newBuilder().setField("colour").setOp("=").setValue("red")))
            .build(),
        "rule.per_call.clauses[0].field");
    assertInvalid(
        perCall
            .clone()
            .setPerCall(
                PerCallCondition.newBuilder()
                    .addClauses(
                        CallClause.newBuilder().setField("status_code").setOp("=").setValue("500"))
                    .addClauses(
                        CallClause.newBuilder().setField("method").setOp(">").setValue("GET")))
            .build(),
        "rule.per_call.clauses[1].op");
    assertInvalid(
        perCall
            .clone()
            .setPerCall(
                PerCallCondition.newBuilder()
                    .addClauses(
                        CallClause.newBuilder().setField("latency_ms").setOp(">").setValue("slow")))
            .build(),
        "rule.per_call.clauses[0].value");
    assertInvalid(
        perCall
            .clone()
            .setPerCall(
                PerCallCondition.newBuilder()
                    .addClauses(
                        CallClause.newBuilder()
                            .setField("route")
                            .setOp("matches")
                            .setValue("(unclosed")))
            .build(),
        "rule.per_call.clauses[0].value");
    assertInvalid(windowed(Durations.fromSeconds(2)), "rule.windowed.window");
    assertInvalid(windowed(Durations.fromDays(3)), "rule.windowed.window");
    assertInvalid(
        windowed(Durations.fromMinutes(5)).toBuilder().clearService().build(), "rule.service");
    assertInvalid(AlertRule.newBuilder().setService("checkout").build(), "rule.condition");
    assertInvalid(
        windowed(Durations.fromMinutes(5)).toBuilder()
            .addWebhooks(Webhook.newBuilder().setUrl("ftp://example.com/hook"))
            .build(),
        "rule.webhooks[0].url");
  }

  @Test
  void webhooksToNonPublicAddressesAreRefusedWhenTheRuleIsSaved() {
    int enginePort = io.tapline.server.testing.SharedClickHouse.engine().httpPort();
    String[][] refused = {
      {"http://127.0.0.1:" + enginePort + "/", "loopback"},
      {"http://localhost:" + enginePort + "/?query=DROP%20TABLE%20x", "loopback"},
      {"http://169.254.169.254/latest/meta-data/", "metadata"},
      {"http://[fd00:ec2::254]/", "metadata"},
      {"http://10.1.2.3:8080/hook", "private"},
      {"http://2130706433/", "notation"},
      {"http://0x7f.1/", "notation"},
      {"http://user:pw@example.com/", "user information"},
    };
    for (String[] hook : refused) {
      assertThatThrownBy(
              () ->
                  alerts.createAlertRule(
                      CreateAlertRuleRequest.newBuilder()
                          .setRule(
                              windowed(Durations.fromMinutes(5)).toBuilder()
                                  .addWebhooks(Webhook.newBuilder().setUrl(hook[0])))
                          .build()))
          .as(hook[0])
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription())
                    .contains("rule.webhooks[0].url")
                    .contains(hook[1]);
              });
    }
  }

  @Test
  void onlyAdminKeysSeeWholeWebhookUrls() {
    // A public address written as a literal: checked without a lookup. The rule never fires
    // (its service gets no calls), so nothing is ever sent there.
    AlertRule rule =
        alerts.createAlertRule(
            CreateAlertRuleRequest.newBuilder()
                .setRule(
                    windowed(Durations.fromMinutes(5)).toBuilder()
                        .setService("visibility")
                        .addWebhooks(
                            Webhook.newBuilder()
                                .setUrl("https://93.184.216.34:8443/services/T000/B000/s3cr3t-path")
                                .setSecret("k")))
                .build());
    assertThat(rule.getWebhooks(0).getUrl()).endsWith("s3cr3t-path");
    String reader = tapline.newKey(java.util.Set.of("read"), "");
    AlertRule seen =
        AlertServiceGrpc.newBlockingStub(tapline.channel(reader))
            .getAlertRule(GetAlertRuleRequest.newBuilder().setId(rule.getId()).build());
    assertThat(seen.getWebhooks(0).getUrl()).isEqualTo("https://93.184.216.34:8443");
    assertThat(seen.getWebhooks(0).getSecret()).isEmpty();
    assertThat(
            AlertServiceGrpc.newBlockingStub(tapline.channel(reader))
                .listAlertRules(ListAlertRulesRequest.newBuilder().setService("visibility").build())
                .getRulesList())
        .singleElement()
        .satisfies(r -> assertThat(r.getWebhooks(0).getUrl()).doesNotContain("s3cr3t"));
  }

  @Test
  void invalidRuleOverJsonIsA400NamingTheField() {
    AggregatedHttpResponse response =
        tapline
            .http()
            .execute(
                HttpRequest.of(
                    HttpMethod.POST,
                    "/v1/alert-rules",
                    MediaType.JSON,
                    "{\"service\":\"checkout\",\"windowed\":{\"aggregate\":\"ERROR_RATE\",\"threshold\":0.1,\"window\":\"1s\"}}"))
            .aggregate()
            .join();
    assertThat(response.status()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(response.contentUtf8()).contains("rule.windowed.window");
  }

  @Test
  void rulesAreCreatedReadUpdatedAndDeleted() {
    AlertRule created =
        alerts.createAlertRule(
            CreateAlertRuleRequest.newBuilder()
                .setRule(
                    windowed(Durations.fromMinutes(5)).toBuilder()
                        .setName("slow checkout")
                        .addWebhooks(
                            Webhook.newBuilder()
                                .setUrl("https://93.184.216.34/a")
                                .setSecret("s3cret")))
                .build());
    assertThat(created.getId()).isNotEmpty();
    assertThat(created.getSeverity()).isEqualTo(Severity.WARNING);
    assertThat(created.getWindowed().getResolveThreshold()).isEqualTo(250);
    assertThat(created.getWebhooks(0).getSecret()).isEmpty();
    assertThat(created.getWebhooks(0).getHasSecret()).isTrue();

    AlertRule read =
        alerts.getAlertRule(GetAlertRuleRequest.newBuilder().setId(created.getId()).build());
    assertThat(read.getName()).isEqualTo("slow checkout");
    assertThat(read.getCreateTime()).isEqualTo(created.getCreateTime());

    AlertRule updated =
        alerts.updateAlertRule(
            UpdateAlertRuleRequest.newBuilder()
                .setRule(read.toBuilder().setName("slower checkout").setSeverity(Severity.CRITICAL))
                .build());
    assertThat(updated.getName()).isEqualTo("slower checkout");
    assertThat(updated.getWebhooks(0).getHasSecret()).as("the secret is kept").isTrue();
    assertThat(
            alerts
                .listAlertRules(ListAlertRulesRequest.newBuilder().setService("checkout").build())
                .getRulesList())
        .extracting(AlertRule::getId, AlertRule::getSeverity)
        .contains(org.assertj.core.groups.Tuple.tuple(created.getId(), Severity.CRITICAL));

    alerts.deleteAlertRule(DeleteAlertRuleRequest.newBuilder().setId(created.getId()).build());
    assertThatThrownBy(
            () ->
                alerts.getAlertRule(
                    GetAlertRuleRequest.newBuilder().setId(created.getId()).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void rulesAreManagedOverJson() {
    AggregatedHttpResponse created =
        tapline
            .http()
            .execute(
                HttpRequest.of(
                    HttpMethod.POST,
                    "/v1/alert-rules",
                    MediaType.JSON,
                    "{\"service\":\"search\",\"enabled\":true,\"perCall\":{\"clauses\":"
                        + "[{\"field\":\"latency_ms\",\"op\":\">\",\"value\":\"1000\"}]}}"))
            .aggregate()
            .join();
    assertThat(created.status()).isEqualTo(HttpStatus.OK);
    assertThat(created.contentUtf8()).contains("\"cooldown\":\"60s\"");
    AggregatedHttpResponse listed =
        tapline.http().get("/v1/alert-rules?service=search").aggregate().join();
    assertThat(listed.contentUtf8()).contains("latency_ms");
  }

  @Test
  void managingRulesNeedsTheAdminScopeButReadingOnlyRead() {
    String key = tapline.newKey(java.util.Set.of("read"), "checkout");
    AlertServiceGrpc.AlertServiceBlockingStub reader =
        AlertServiceGrpc.newBlockingStub(tapline.channel(key));
    assertThatThrownBy(
            () ->
                reader.createAlertRule(
                    CreateAlertRuleRequest.newBuilder()
                        .setRule(windowed(Durations.fromMinutes(5)))
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(reader.listAlertRules(ListAlertRulesRequest.getDefaultInstance()).getRulesList())
        .allSatisfy(rule -> assertThat(rule.getService()).isEqualTo("checkout"));
    assertThatThrownBy(
            () ->
                AlertServiceGrpc.newBlockingStub(tapline.channel(null))
                    .listAlertRules(ListAlertRulesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }
}
