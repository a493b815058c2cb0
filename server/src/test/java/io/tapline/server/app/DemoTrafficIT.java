package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tapline.masking.Masker;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.Aggregate;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertEventFilter;
import io.tapline.proto.v1.AlertEventKind;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.Customer;
import io.tapline.proto.v1.ListAlertEventsRequest;
import io.tapline.proto.v1.ListAlertRulesRequest;
import io.tapline.proto.v1.ListApiKeysRequest;
import io.tapline.proto.v1.ListCustomersRequest;
import io.tapline.proto.v1.ListPlansRequest;
import io.tapline.proto.v1.ListServicesRequest;
import io.tapline.proto.v1.Plan;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.Service;
import io.tapline.proto.v1.Severity;
import io.tapline.proto.v1.StatusClass;
import io.tapline.server.testing.TestTapline;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --demo}: a server started with it fills itself with sample traffic through its own API,
 * with the trouble its rules report. Everything is checked through the public API.
 */
class DemoTrafficIT {

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline()
          .withFlags(
              "--demo.enabled=true",
              "--demo.calls-per-second=200",
              // The slow spell's windowed rule fires within seconds, not at the next half minute.
              "--alerts.evaluation-interval=5s");

  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static AlertServiceGrpc.AlertServiceBlockingStub alerts;
  private static QueryServiceGrpc.QueryServiceBlockingStub query;

  @BeforeAll
  static void stubs() {
    admin = AdminServiceGrpc.newBlockingStub(tapline.channel());
    alerts = AlertServiceGrpc.newBlockingStub(tapline.channel());
    query = QueryServiceGrpc.newBlockingStub(tapline.channel());
  }

  /** The newest demo calls matching {@code filter}, at most 1000. */
  private static List<ApiCall> demoCalls(CallFilter.Builder filter) {
    return query
        .searchCalls(
            SearchCallsRequest.newBuilder()
                .setFilter(filter.putTags("demo", "true"))
                .setPageSize(1000)
                .build())
        .getCallsList();
  }

  private static <T> Set<String> distinct(List<T> values, Function<T, String> key) {
    return values.stream().map(key).collect(Collectors.toSet());
  }

  private static AlertRule rule(String name) {
    return alerts.listAlertRules(ListAlertRulesRequest.getDefaultInstance()).getRulesList().stream()
        .filter(r -> r.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void makesItsServicesPlansCustomersRulesAndKeyAtStart() {
    List<Service> services =
        admin.listServices(ListServicesRequest.getDefaultInstance()).getServicesList().stream()
            .filter(s -> s.getName().startsWith("demo-"))
            .toList();
    assertThat(services)
        .extracting(Service::getName)
        .containsExactlyInAnyOrderElementsOf(DemoTraffic.SERVICES);
    assertThat(services)
        .allSatisfy(
            s -> {
              assertThat(s.getRetentionDays()).isEqualTo(3);
              assertThat(s.getDescription()).contains("./scripts/run --demo.delete=true");
              assertThat(s.getBaseUrl()).endsWith(".demo.invalid");
            });
    assertThat(services)
        .filteredOn(s -> s.getName().equals("demo-shop"))
        .extracting(Service::getBaseUrl)
        .containsExactly("https://shop.demo.invalid");

    assertThat(admin.listPlans(ListPlansRequest.getDefaultInstance()).getPlansList())
        .extracting(Plan::getId)
        .contains("demo-free", "demo-pro", "demo-enterprise");
    List<Customer> customers =
        admin.listCustomers(ListCustomersRequest.getDefaultInstance()).getCustomersList();
    assertThat(customers).hasSize(DemoTraffic.CUSTOMERS.size());
    assertThat(customers)
        .allSatisfy(
            c -> {
              assertThat(c.getId()).startsWith("demo-");
              assertThat(c.getPlan()).isIn("demo-free", "demo-pro", "demo-enterprise");
            });

    AlertRule failures = rule(DemoTraffic.PAYMENT_FAILURES);
    assertThat(failures.getService()).isEqualTo("demo-payments");
    assertThat(failures.getSeverity()).isEqualTo(Severity.CRITICAL);
    assertThat(failures.getEnabled()).isTrue();
    assertThat(failures.getPerCall().getClauses(0).getField()).isEqualTo("status_code");
    AlertRule slow = rule(DemoTraffic.SLOW_SEARCH);
    assertThat(slow.getService()).isEqualTo("demo-search");
    assertThat(slow.getSeverity()).isEqualTo(Severity.WARNING);
    assertThat(slow.getWindowed().getAggregate()).isEqualTo(Aggregate.LATENCY_P95);
    assertThat(slow.getWindowed().getThreshold()).isEqualTo(800);
    assertThat(slow.getWindowed().getWindow().getSeconds()).isEqualTo(60);
    assertThat(slow.getWindowed().getMinSamples()).isEqualTo(20);

    assertThat(admin.listApiKeys(ListApiKeysRequest.getDefaultInstance()).getApiKeysList())
        .filteredOn(k -> k.getName().equals("demo traffic"))
        .singleElement()
        .satisfies(
            k -> {
              assertThat(k.getScopesList()).containsExactly("admin");
              assertThat(k.getService()).isEmpty();
              assertThat(k.getRevoked()).isFalse();
            });
  }

  @Test
  void callsComeForEveryServiceWithManyRoutesCustomersAndPlans() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<ApiCall> calls = demoCalls(CallFilter.newBuilder());
              assertThat(distinct(calls, ApiCall::getService))
                  .containsExactlyInAnyOrderElementsOf(DemoTraffic.SERVICES);
              assertThat(distinct(calls, ApiCall::getRoute)).hasSizeGreaterThanOrEqualTo(8);
              assertThat(distinct(calls, ApiCall::getCustomerId)).hasSizeGreaterThanOrEqualTo(6);
              assertThat(distinct(calls, ApiCall::getPlan))
                  .containsExactlyInAnyOrder("demo-free", "demo-pro", "demo-enterprise");
              assertThat(distinct(calls, c -> Integer.toString(c.getStatusCode())))
                  .contains("200", "201");
            });

    ApiCall call = demoCalls(CallFilter.newBuilder().setService("demo-shop")).getFirst();
    assertThat(call.getUrl()).startsWith("https://shop.demo.invalid/v1/");
    assertThat(call.getPath()).startsWith("/v1/").doesNotContain("?");
    assertThat(call.getTagsMap()).containsEntry("demo", "true").containsKeys("region", "version");
    assertThat(call.getTagsMap().get("region")).isIn("eu-west-1", "us-east-1");
    assertThat(call.getSourceIp()).matches("(192\\.0\\.2|198\\.51\\.100|203\\.0\\.113)\\.\\d+");
    assertThat(call.getTraceId()).matches("[0-9a-f]{32}");
    assertThat(call.getSpanId()).matches("[0-9a-f]{16}");
    assertThat(call.getCustomerId()).startsWith("demo-");
    assertThat(call.getRequestHeadersMap()).containsKeys("user-agent", "x-request-id");
    assertThat(call.getLatencyMs()).isPositive();

    // The search extracts the total and the top hit's title from its answers.
    ApiCall search =
        demoCalls(
                CallFilter.newBuilder()
                    .setService("demo-search")
                    .setRoute("/v1/search")
                    .setStatusCode(200))
            .getFirst();
    assertThat(search.getNumberFieldsMap()).containsKey("search.total");
    assertThat(search.getStringFieldsMap()).containsKey("search.top_title");
  }

  @Test
  void secretsAreStoredMasked() {
    CallFilter.Builder payments =
        CallFilter.newBuilder()
            .setService("demo-payments")
            .setMethod("POST")
            .setRoute("/v1/payments")
            .setStatusCode(201);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(demoCalls(payments)).isNotEmpty());
    ApiCall payment = demoCalls(payments).getFirst();
    assertThat(payment.getRequestHeadersMap()).containsEntry("authorization", Masker.MASKED);
    assertThat(payment.getRequestBody())
        .contains("\"card_number\"", Masker.MASKED)
        .doesNotContain("4111111111111111");
    // Nothing else was taken for a secret.
    assertThat(payment.getRequestBody()).contains("\"currency\"", "\"order_id\":\"ord_");
  }

  @Test
  void errorsAndSlowCallsComeAndThePaymentOutageFiresItsRule() {
    // The first outage comes a few seconds after start, with 502s and 503s carrying an error.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        demoCalls(
                            CallFilter.newBuilder().setService("demo-payments").setHasError(true)))
                    .isNotEmpty()
                    .allSatisfy(
                        c -> {
                          assertThat(c.getStatusCode()).isIn(502, 503);
                          assertThat(c.getError()).startsWith("acquirer gateway: ");
                        }));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(
                      demoCalls(
                          CallFilter.newBuilder().setService("demo-search").setMinLatencyMs(1000)))
                  .isNotEmpty();
              assertThat(
                      demoCalls(
                          CallFilter.newBuilder()
                              .setService("demo-shop")
                              .addStatusClasses(StatusClass.STATUS_CLASS_4XX)))
                  .isNotEmpty();
            });

    String ruleId = rule(DemoTraffic.PAYMENT_FAILURES).getId();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(events(ruleId))
                    .isNotEmpty()
                    .allSatisfy(
                        e -> {
                          assertThat(e.getKind()).isEqualTo(AlertEventKind.TRIGGERED);
                          assertThat(e.getService()).isEqualTo("demo-payments");
                        }));
  }

  @Test
  void theSlowSpellOfSearchFiresItsWindowedRule() {
    String ruleId = rule(DemoTraffic.SLOW_SEARCH).getId();
    // The first slow spell begins half a minute after start; the window of a minute then holds
    // enough slow calls for its p95 within seconds.
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () ->
                assertThat(events(ruleId))
                    .extracting(AlertEvent::getKind)
                    .contains(AlertEventKind.FIRING));
    AlertEvent firing =
        events(ruleId).stream()
            .filter(e -> e.getKind() == AlertEventKind.FIRING)
            .findFirst()
            .orElseThrow();
    assertThat(firing.getValue()).isGreaterThan(800);
    assertThat(firing.getThreshold()).isEqualTo(800);
  }

  private static List<AlertEvent> events(String ruleId) {
    return alerts
        .listAlertEvents(
            ListAlertEventsRequest.newBuilder()
                .setFilter(AlertEventFilter.newBuilder().setRuleId(ruleId))
                .setPageSize(100)
                .build())
        .getEventsList();
  }
}
