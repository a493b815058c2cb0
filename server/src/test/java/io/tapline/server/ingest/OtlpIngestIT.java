package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.OtlpSettings;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.Service;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.testing.SharedClickHouse;
import io.tapline.server.testing.TestTapline;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Services instrumented with OpenTelemetry send their spans with the real SDK and its OTLP
 * exporter: SERVER spans become calls, masked and stored as every batch is; other spans are left
 * out.
 */
class OtlpIngestIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static List<ApiCall> calls(String service) {
    return QueryServiceGrpc.newBlockingStub(tapline.channel())
        .searchCalls(
            SearchCallsRequest.newBuilder()
                .setFilter(CallFilter.newBuilder().setService(service))
                .setPageSize(100)
                .build())
        .getCallsList();
  }

  private static SdkTracerProvider tracing(String service, SpanExporter exporter) {
    return SdkTracerProvider.builder()
        .setResource(
            Resource.getDefault()
                .merge(
                    Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), service))))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
  }

  private static SpanExporter grpcExporter(String key) {
    return OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + tapline.port())
        .addHeader("authorization", "Bearer " + key)
        .setTimeout(Duration.ofSeconds(30))
        .build();
  }

  @Test
  void serverSpansSentOverGrpcBecomeMaskedCallsAndOtherSpansAreLeftOut() {
    String key = tapline.newKey(Set.of("ingest"), "otel-grpc");
    SpanExporter exporter = grpcExporter(key);
    SdkTracerProvider provider = tracing("otel-grpc", exporter);
    Tracer tracer = provider.get("test");
    Span server =
        tracer
            .spanBuilder("GET /orders/{id}")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("http.request.method", "GET")
            .setAttribute(
                "url.full", "https://shop.example.com/orders/42?token=s3cr3t-token&page=2")
            .setAttribute("http.route", "/orders/{id}")
            .setAttribute("http.response.status_code", 503L)
            .setAttribute("client.address", "203.0.113.9")
            .setAttribute("user_agent.original", "curl/8.5")
            .setAttribute(
                AttributeKey.stringArrayKey("http.request.header.authorization"),
                List.of("Bearer should-not-be-stored"))
            .setAttribute("error.type", "UpstreamTimeout")
            .startSpan();
    Span older =
        tracer
            .spanBuilder("POST /login")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("http.method", "POST")
            .setAttribute("http.scheme", "https")
            .setAttribute("http.host", "auth.example.com")
            .setAttribute("http.target", "/login?next=%2Fhome")
            .setAttribute("http.status_code", 200L)
            .setAttribute("net.peer.ip", "198.51.100.4")
            .startSpan();
    tracer.spanBuilder("SELECT orders").setSpanKind(SpanKind.CLIENT).startSpan().end();
    tracer.spanBuilder("render").startSpan().end();
    server.setStatus(StatusCode.ERROR, "upstream timed out");
    server.end();
    older.end();
    assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(30, TimeUnit.SECONDS);

    List<ApiCall> calls = calls("otel-grpc");
    assertThat(calls).hasSize(2);
    ApiCall failed =
        calls.stream().filter(c -> c.getMethod().equals("GET")).findFirst().orElseThrow();
    assertThat(failed.getUrl())
        .startsWith("https://shop.example.com/orders/42?")
        .doesNotContain("s3cr3t-token")
        .contains("page=2");
    assertThat(failed.getRoute()).isEqualTo("/orders/{id}");
    assertThat(failed.getStatusCode()).isEqualTo(503);
    assertThat(failed.getSourceIp()).isEqualTo("203.0.113.9");
    assertThat(failed.getRequestHeadersMap())
        .containsEntry("user-agent", "curl/8.5")
        .doesNotContainValue("Bearer should-not-be-stored");
    assertThat(failed.getError()).isEqualTo("UpstreamTimeout");
    assertThat(failed.getTraceId()).isEqualTo(server.getSpanContext().getTraceId());
    assertThat(failed.getSpanId()).isEqualTo(server.getSpanContext().getSpanId());
    ApiCall login =
        calls.stream().filter(c -> c.getMethod().equals("POST")).findFirst().orElseThrow();
    assertThat(login.getUrl()).isEqualTo("https://auth.example.com/login?next=%2Fhome");
    assertThat(login.getStatusCode()).isEqualTo(200);
    assertThat(login.getSourceIp()).isEqualTo("198.51.100.4");
  }

  @Test
  void aRetriedExportIsStoredOnceAndSpansOfAnotherServiceAreRefusedAsPartialSuccess() {
    String key = tapline.newKey(Set.of("ingest"), "otel-retry");
    SpanExporter exporter = grpcExporter(key);
    List<SpanData> data = new CopyOnWriteArrayList<>();
    SdkTracerProvider provider = tracing("otel-retry", new Capture(data));
    Span span =
        provider
            .get("test")
            .spanBuilder("GET /a")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("http.request.method", "GET")
            .setAttribute("url.full", "https://a.example.com/a")
            .setAttribute("http.response.status_code", 200L)
            .startSpan();
    span.end();
    assertThat(exporter.export(data).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(exporter.export(data).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(calls("otel-retry")).hasSize(1);

    String otherKey = tapline.newKey(Set.of("ingest"), "someone-else");
    ExportTraceServiceResponse refused =
        TraceServiceGrpc.newBlockingStub(tapline.channel(otherKey))
            .export(
                ExportTraceServiceRequest.newBuilder()
                    .addResourceSpans(
                        ResourceSpans.newBuilder()
                            .setResource(
                                io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                                    .addAttributes(
                                        KeyValue.newBuilder()
                                            .setKey("service.name")
                                            .setValue(
                                                AnyValue.newBuilder()
                                                    .setStringValue("otel-retry"))))
                            .addScopeSpans(
                                ScopeSpans.newBuilder()
                                    .addSpans(
                                        io.opentelemetry.proto.trace.v1.Span.newBuilder()
                                            .setKind(
                                                io.opentelemetry.proto.trace.v1.Span.SpanKind
                                                    .SPAN_KIND_SERVER)
                                            .setStartTimeUnixNano(
                                                System.currentTimeMillis() * 1_000_000)
                                            .setEndTimeUnixNano(
                                                System.currentTimeMillis() * 1_000_000)
                                            .addAttributes(
                                                KeyValue.newBuilder()
                                                    .setKey("http.request.method")
                                                    .setValue(
                                                        AnyValue.newBuilder()
                                                            .setStringValue("GET"))))))
                    .build());
    assertThat(refused.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(refused.getPartialSuccess().getErrorMessage())
        .contains("may only send calls of service 'someone-else'");
    assertThat(calls("otel-retry")).hasSize(1);
    provider.shutdown().join(30, TimeUnit.SECONDS);
  }

  @Test
  void spansSentOverHttpProtobufGzippedAreStoredToo() {
    String key = tapline.newKey(Set.of("ingest"), "otel-http");
    SdkTracerProvider provider =
        tracing(
            "otel-http",
            OtlpHttpSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + tapline.port() + "/v1/traces")
                .addHeader("authorization", "Bearer " + key)
                .setCompression("gzip")
                .setTimeout(Duration.ofSeconds(30))
                .build());
    Span span =
        provider
            .get("test")
            .spanBuilder("GET /items")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("http.request.method", "GET")
            .setAttribute("url.scheme", "https")
            .setAttribute("server.address", "items.example.com")
            .setAttribute("url.path", "/items")
            .setAttribute("url.query", "q=shoes")
            .setAttribute("http.response.status_code", 404L)
            .startSpan();
    span.end();
    assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(30, TimeUnit.SECONDS);

    assertThat(calls("otel-http"))
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.getUrl()).isEqualTo("https://items.example.com/items?q=shoes");
              assertThat(call.getStatusCode()).isEqualTo(404);
              assertThat(call.getTraceId()).isEqualTo(span.getSpanContext().getTraceId());
            });
  }

  @Test
  void otlpJsonAsTheSpecificationShowsItIsReadWithHexIdsAndAKeyIsRequired() {
    String key = tapline.newKey(Set.of("ingest"), "otel-json");
    long start = System.currentTimeMillis() * 1_000_000L;
    String json =
        """
        {"resourceSpans": [{
          "resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "otel-json"}}]},
          "scopeSpans": [{
            "scope": {"name": "my.library", "version": "1.0.0"},
            "spans": [{
              "traceId": "5b8efff798038103d269b633813fc60c",
              "spanId": "eee19b7ec3c1b174",
              "parentSpanId": "eee19b7ec3c1b173",
              "name": "POST /checkout",
              "startTimeUnixNano": "%d",
              "endTimeUnixNano": "%d",
              "kind": 2,
              "attributes": [
                {"key": "http.request.method", "value": {"stringValue": "POST"}},
                {"key": "url.full", "value": {"stringValue": "https://shop.example.com/checkout"}},
                {"key": "http.response.status_code", "value": {"intValue": "201"}}
              ]
            }]
          }]
        }]}
        """
            .formatted(start, start + 12_500_000L);

    AggregatedHttpResponse answer = postJson(key, json);
    assertThat(answer.status().code()).isEqualTo(200);
    assertThat(answer.contentType().is(MediaType.JSON)).isTrue();
    assertThat(calls("otel-json"))
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.getTraceId()).isEqualTo("5b8efff798038103d269b633813fc60c");
              assertThat(call.getSpanId()).isEqualTo("eee19b7ec3c1b174");
              assertThat(call.getMethod()).isEqualTo("POST");
              assertThat(call.getStatusCode()).isEqualTo(201);
              assertThat(call.getLatencyMs()).isEqualTo(12.5);
            });

    AggregatedHttpResponse noKey = postJson(null, json);
    assertThat(noKey.status().code()).isEqualTo(401);
    assertThat(noKey.contentUtf8()).contains("an API key is required");
  }

  @Test
  void theStandardOtlpPortsCanBeServedToo() throws Exception {
    int extra;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      extra = socket.getLocalPort();
    }
    String key = tapline.newKey(Set.of("ingest"), "otel-port");
    try (TaplineServer server =
        TaplineServer.start(
            SharedClickHouse.on(
                ConfigLoader.load(
                        new String[] {
                          "--server.extra-ports=" + extra,
                          "--auth.bootstrap-admin-key=" + tapline.adminKey()
                        })
                    .withPort(0),
                tapline.server().storage().database()))) {
      assertThat(server.port()).isNotEqualTo(extra);
      SdkTracerProvider provider =
          tracing(
              "otel-port",
              OtlpGrpcSpanExporter.builder()
                  .setEndpoint("http://127.0.0.1:" + extra)
                  .addHeader("authorization", "Bearer " + key)
                  .build());
      provider
          .get("test")
          .spanBuilder("GET /p")
          .setSpanKind(SpanKind.SERVER)
          .setAttribute("http.request.method", "GET")
          .setAttribute("url.full", "https://p.example.com/p")
          .setAttribute("http.response.status_code", 200L)
          .startSpan()
          .end();
      assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      provider.shutdown().join(30, TimeUnit.SECONDS);
    }
    assertThat(calls("otel-port")).hasSize(1);
  }

  @Test
  void aServiceMayCountItsClientSpansAndNameTheAttributesOfCustomerAndPlan() {
    AdminServiceGrpc.newBlockingStub(tapline.channel())
        .createService(
            CreateServiceRequest.newBuilder()
                .setService(
                    Service.newBuilder()
                        .setName("otel-client")
                        .setOtlp(
                            OtlpSettings.newBuilder()
                                .setClientSpans(true)
                                .setCustomerAttribute("tenant.id")
                                .setPlanAttribute("tenant.plan")))
                .build());
    String key = tapline.newKey(Set.of("ingest"), "otel-client");
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.of(
                        AttributeKey.stringKey("service.name"),
                        "otel-client",
                        AttributeKey.stringKey("tenant.plan"),
                        "gold")))
            .addSpanProcessor(SimpleSpanProcessor.create(grpcExporter(key)))
            .build();
    Tracer tracer = provider.get("test");
    tracer
        .spanBuilder("POST /charge")
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute("http.request.method", "POST")
        .setAttribute("url.full", "https://payments.example.com/charge")
        .setAttribute("http.response.status_code", 201L)
        .setAttribute("tenant.id", "acme")
        .startSpan()
        .end();
    tracer.spanBuilder("render").startSpan().end();
    assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(30, TimeUnit.SECONDS);

    assertThat(calls("otel-client"))
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.getUrl()).isEqualTo("https://payments.example.com/charge");
              assertThat(call.getCustomerId()).isEqualTo("acme");
              assertThat(call.getPlan()).isEqualTo("gold");
            });
  }

  /** OTLP/JSON posted to {@code /v1/traces} with {@code key} (none when null). */
  private static AggregatedHttpResponse postJson(String key, String json) {
    return tapline
        .http(key)
        .execute(
            HttpRequest.of(
                RequestHeaders.of(
                    HttpMethod.POST, "/v1/traces", HttpHeaderNames.CONTENT_TYPE, MediaType.JSON),
                HttpData.ofUtf8(json)))
        .aggregate()
        .join();
  }

  /** Keeps what it is given, for sending the same spans twice. */
  private record Capture(List<SpanData> spans) implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAll(batch);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
