package io.tapline.server.app;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.server.docs.DocService;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.AlertEventFilter;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallClause;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.CreateApiKeyRequest;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.Dimension;
import io.tapline.proto.v1.GetBreakdownRequest;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.GetTimeSeriesRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.ListAlertEventsRequest;
import io.tapline.proto.v1.ListApiKeysRequest;
import io.tapline.proto.v1.ListServicesRequest;
import io.tapline.proto.v1.PerCallCondition;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.Service;
import io.tapline.proto.v1.Severity;
import java.time.Instant;
import java.util.List;

/** The {@code /docs} page: Armeria's DocService with an example request for the main methods. */
final class DocsExamples {

  private DocsExamples() {}

  static DocService docService() {
    return DocService.builder()
        .exampleRequests(
            IngestServiceGrpc.SERVICE_NAME,
            "Ingest",
            IngestRequest.newBuilder()
                .setBatchId("example-batch-1")
                .addCalls(exampleCall())
                .build())
        .exampleRequests(
            QueryServiceGrpc.SERVICE_NAME,
            "SearchCalls",
            SearchCallsRequest.newBuilder()
                .setFilter(CallFilter.newBuilder().setService("checkout"))
                .setPageSize(20)
                .build())
        .exampleRequests(
            QueryServiceGrpc.SERVICE_NAME,
            "GetMetrics",
            GetMetricsRequest.newBuilder()
                .setFilter(CallFilter.newBuilder().setService("checkout"))
                .addAllQuantiles(List.of(0.5, 0.95, 0.99))
                .build())
        .exampleRequests(
            QueryServiceGrpc.SERVICE_NAME,
            "GetBreakdown",
            GetBreakdownRequest.newBuilder()
                .setFilter(CallFilter.newBuilder().setService("checkout"))
                .addDimensions(Dimension.DIMENSION_PLAN)
                .addDimensions(Dimension.DIMENSION_STATUS_CLASS)
                .setLimit(10)
                .build())
        .exampleRequests(
            QueryServiceGrpc.SERVICE_NAME,
            "GetTimeSeries",
            GetTimeSeriesRequest.newBuilder()
                .setFilter(CallFilter.newBuilder().setService("checkout"))
                .setSplitBy(Dimension.DIMENSION_ROUTE)
                .setSeriesLimit(5)
                .build())
        .exampleRequests(
            AdminServiceGrpc.SERVICE_NAME,
            "CreateService",
            CreateServiceRequest.newBuilder()
                .setService(
                    Service.newBuilder()
                        .setName("checkout")
                        .setDescription("Checkout API")
                        .setBaseUrl("https://checkout.example.com")
                        .setRetentionDays(30))
                .build())
        .exampleRequests(
            AdminServiceGrpc.SERVICE_NAME, "ListServices", ListServicesRequest.getDefaultInstance())
        .exampleRequests(
            AdminServiceGrpc.SERVICE_NAME,
            "CreateApiKey",
            CreateApiKeyRequest.newBuilder()
                .setName("checkout ingest")
                .addScopes("ingest")
                .setService("checkout")
                .build())
        .exampleRequests(
            AdminServiceGrpc.SERVICE_NAME, "ListApiKeys", ListApiKeysRequest.getDefaultInstance())
        .exampleRequests(
            AlertServiceGrpc.SERVICE_NAME,
            "CreateAlertRule",
            CreateAlertRuleRequest.newBuilder()
                .setRule(
                    AlertRule.newBuilder()
                        .setName("checkout 5xx")
                        .setService("checkout")
                        .setSeverity(Severity.CRITICAL)
                        .setEnabled(true)
                        .setPerCall(
                            PerCallCondition.newBuilder()
                                .addClauses(
                                    CallClause.newBuilder()
                                        .setField("status_code")
                                        .setOp(">=")
                                        .setValue("500"))))
                .build())
        .exampleRequests(
            AlertServiceGrpc.SERVICE_NAME,
            "ListAlertEvents",
            ListAlertEventsRequest.newBuilder()
                .setFilter(AlertEventFilter.newBuilder().setService("checkout"))
                .setPageSize(20)
                .build())
        .exampleHeaders(HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer <your key>"))
        .build();
  }

  /** An example call for /docs, timestamped at start so that it passes ingest.max-past. */
  static ApiCall exampleCall() {
    return ApiCall.newBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
        .setService("checkout")
        .setMethod("POST")
        .setUrl("https://api.example.com/v1/orders?currency=EUR")
        .setRoute("/v1/orders")
        .setStatusCode(201)
        .setLatencyMs(42.5)
        .putRequestHeaders("content-type", "application/json")
        .setRequestBody("{\"sku\":\"A-1\",\"quantity\":2}")
        .setResponseBody("{\"id\":\"ord_123\"}")
        .setSourceIp("203.0.113.7")
        .putTags("region", "eu-west-1")
        .setCustomerId("acme")
        .build();
  }
}
