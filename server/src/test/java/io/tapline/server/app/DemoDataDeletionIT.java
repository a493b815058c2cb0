package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.Customer;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.ListAlertRulesRequest;
import io.tapline.proto.v1.ListApiKeysRequest;
import io.tapline.proto.v1.ListCustomersRequest;
import io.tapline.proto.v1.ListPlansRequest;
import io.tapline.proto.v1.ListServicesRequest;
import io.tapline.proto.v1.Plan;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.Service;
import io.tapline.server.api.Times;
import io.tapline.server.testing.TestTapline;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code demo.delete}: everything the demo made goes, calls and rollup rows included, and nothing
 * else. The demo runs against a real server first, as {@code --demo} runs it.
 */
class DemoDataDeletionIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  /** The tables with rows of calls by service: the calls and their rollups. */
  private static final List<String> TABLES =
      List.of(
          "api_calls",
          "api_calls_counts_1h",
          "api_calls_latency_5m",
          "api_calls_customers_1h",
          "api_calls_counts_1d",
          "api_calls_customers_1d",
          "api_calls_latency_1d",
          "api_calls_routes_1d",
          "api_calls_customer_latency_1d");

  private static List<ApiCall> calls(String service) {
    return QueryServiceGrpc.newBlockingStub(tapline.channel())
        .searchCalls(
            SearchCallsRequest.newBuilder()
                .setFilter(CallFilter.newBuilder().setService(service))
                .setPageSize(10)
                .build())
        .getCallsList();
  }

  private static long rows(String table, String service) throws Exception {
    try (Connection c = tapline.server().storage().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count() FROM " + table + " WHERE service = '" + service + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void removesEverythingTheDemoMadeAndNothingElse() throws Exception {
    // Someone's own service and calls, beside the demo's: kept.
    var admin = AdminServiceGrpc.newBlockingStub(tapline.channel());
    admin.createService(
        CreateServiceRequest.newBuilder().setService(Service.newBuilder().setName("shop")).build());
    IngestServiceGrpc.newBlockingStub(tapline.channel())
        .ingest(
            IngestRequest.newBuilder()
                .addCalls(
                    ApiCall.newBuilder()
                        .setTimestamp(Times.timestamp(Instant.now()))
                        .setService("shop")
                        .setMethod("GET")
                        .setUrl("https://shop.example.com/v1/products")
                        .setStatusCode(200)
                        .setLatencyMs(12))
                .build());

    Stores stores = Stores.on(tapline.server().storage(), new SimpleMeterRegistry());
    try (DemoTraffic demo =
        DemoTraffic.start(
            tapline.port(), stores.apiKeys(), tapline.server().authenticator(), 100)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                for (String service : DemoTraffic.SERVICES) {
                  assertThat(calls(service)).as(service).isNotEmpty();
                  assertThat(rows("api_calls_counts_1h", service)).as(service).isPositive();
                }
              });
    }

    DemoTraffic.Removed removed = DemoTraffic.deleteDemoData(stores);
    assertThat(removed.services()).isEqualTo(3);
    assertThat(removed.plans()).isEqualTo(3);
    assertThat(removed.customers()).isEqualTo(DemoTraffic.CUSTOMERS.size());
    assertThat(removed.rules()).isEqualTo(2);
    assertThat(removed.keys()).isEqualTo(1);
    assertThat(removed.calls()).isPositive();

    for (String service : DemoTraffic.SERVICES) {
      assertThat(calls(service)).as(service).isEmpty();
      for (String table : TABLES) {
        assertThat(rows(table, service)).as(table + " of " + service).isZero();
      }
    }
    assertThat(admin.listServices(ListServicesRequest.getDefaultInstance()).getServicesList())
        .extracting(Service::getName)
        .containsExactly("shop");
    assertThat(admin.listPlans(ListPlansRequest.getDefaultInstance()).getPlansList())
        .extracting(Plan::getId)
        .noneMatch(id -> id.startsWith("demo-"));
    assertThat(admin.listCustomers(ListCustomersRequest.getDefaultInstance()).getCustomersList())
        .extracting(Customer::getId)
        .noneMatch(id -> id.startsWith("demo-"));
    assertThat(
            AlertServiceGrpc.newBlockingStub(tapline.channel())
                .listAlertRules(ListAlertRulesRequest.getDefaultInstance())
                .getRulesList())
        .extracting(AlertRule::getName)
        .noneMatch(name -> name.startsWith("demo:"));
    assertThat(admin.listApiKeys(ListApiKeysRequest.getDefaultInstance()).getApiKeysList())
        .filteredOn(k -> k.getName().equals("demo traffic"))
        .singleElement()
        .satisfies(k -> assertThat(k.getRevoked()).isTrue());
    assertThat(calls("shop")).hasSize(1);
    assertThat(rows("api_calls", "shop")).isEqualTo(1);

    // Nothing is left to remove the second time.
    assertThat(DemoTraffic.deleteDemoData(stores))
        .isEqualTo(new DemoTraffic.Removed(0, 0, 0, 0, 0, 0));
  }
}
