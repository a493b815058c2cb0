package io.tapline.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.GetCallRequest;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.sdk.armeria.TaplineArmeria;
import io.tapline.sdk.grpc.TaplineServerInterceptor;
import io.tapline.sdk.httpclient.TaplineHttpClient;
import io.tapline.sdk.servlet.TaplineFilter;
import io.tapline.server.testing.TestTapline;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Calls captured by each integration arrive in a real Tapline with the right fields. */
class CaptureIntegrationsIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static QueryServiceGrpc.QueryServiceBlockingStub query;

  @BeforeAll
  static void stubs() {
    query = QueryServiceGrpc.newBlockingStub(tapline.channel());
  }

  private static TaplineClient client(String service) {
    return TaplineClient.builder()
        .endpoint("http://127.0.0.1:" + tapline.port())
        .apiKey(tapline.adminKey())
        .serviceName(service)
        .linger(Duration.ofMillis(50))
        .excludePaths("/health", "/internal/*")
        .build();
  }

  private static List<ApiCall> stored(String service, int expected) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                query
                    .searchCalls(
                        SearchCallsRequest.newBuilder()
                            .setFilter(CallFilter.newBuilder().setService(service))
                            .setPageSize(100)
                            .build())
                    .getCallsList(),
            calls -> calls.size() >= expected);
  }

  @Test
  void servletFilterRecordsCallsWithMaskedSecretsAndBodies() throws Exception {
    try (TaplineClient client = client("servlet-svc")) {
      org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server();
      ServerConnector connector = new ServerConnector(jetty);
      connector.setHost("127.0.0.1");
      jetty.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler();
      context.addFilter(
          new FilterHolder(new TaplineFilter(client)), "/*", EnumSet.of(DispatcherType.REQUEST));
      context.addServlet(new ServletHolder(new UsersServlet()), "/users/*");
      context.addServlet(new ServletHolder(new UsersServlet()), "/health");
      jetty.setHandler(context);
      jetty.start();
      try (HttpClient http = HttpClient.newHttpClient()) {
        String base = "http://127.0.0.1:" + connector.getLocalPort();
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/health")).build(),
            HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/users/42?lang=en&access_token=abc123"))
                    .header("authorization", "Bearer secret-key")
                    .header("x-request-id", "req-1")
                    .header("content-type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"name\":\"Ada\",\"password\":\"hunter2\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"id\":42,\"api_secret\":\"s3cr3t\"}");
      } finally {
        jetty.stop();
      }

      ApiCall call = stored("servlet-svc", 1).getFirst();
      assertThat(call.getMethod()).isEqualTo("POST");
      assertThat(call.getPath()).isEqualTo("/users/42");
      assertThat(call.getRoute()).isEqualTo("/users/*");
      assertThat(call.getStatusCode()).isEqualTo(201);
      assertThat(call.getUrl()).doesNotContain("abc123");
      assertThat(call.getQueryParamsMap())
          .containsEntry("lang", "en")
          .containsEntry("access_token", "[masked]");
      assertThat(call.getRequestHeadersMap())
          .containsEntry("authorization", "[masked]")
          .containsEntry("x-request-id", "req-1");
      assertThat(call.getRequestBody()).isEqualTo("{\"name\":\"Ada\",\"password\":\"[masked]\"}");
      assertThat(call.getRequestBodySize())
          .isEqualTo("{\"name\":\"Ada\",\"password\":\"hunter2\"}".length());
      assertThat(call.getResponseBody()).isEqualTo("{\"id\":42,\"api_secret\":\"[masked]\"}");
      assertThat(call.getResponseHeadersMap()).containsKey("content-type");
      assertThat(call.getSourceIp()).isEqualTo("127.0.0.1");
      assertThat(call.getSampleRate()).isEqualTo(1.0);
      assertThat(call.getLatencyMs()).isPositive();
      // The excluded health check was served first, so it would have arrived first.
      assertThat(stored("servlet-svc", 1)).hasSize(1);
      assertThat(client.counters().recorded()).isEqualTo(1);
    }
  }

  static final class UsersServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().write("ok");
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(body).contains("Ada");
      resp.setStatus(201);
      resp.setContentType("application/json");
      resp.getWriter().write("{\"id\":42,\"api_secret\":\"s3cr3t\"}");
    }
  }

  @Test
  void grpcInterceptorRecordsStatusRouteAndMetadata() throws Exception {
    try (TaplineClient client = client("grpc-svc")) {
      io.grpc.Server server =
          Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
              .addService(
                  ServerInterceptors.intercept(
                      new QueryServiceGrpc.QueryServiceImplBase() {
                        @Override
                        public void getCall(GetCallRequest request, StreamObserver<ApiCall> out) {
                          if (request.getId().equals("missing")) {
                            out.onError(
                                Status.NOT_FOUND
                                    .withDescription("no call missing")
                                    .asRuntimeException());
                            return;
                          }
                          out.onNext(ApiCall.newBuilder().setId(request.getId()).build());
                          out.onCompleted();
                        }
                      },
                      new TaplineServerInterceptor(client)))
              .build()
              .start();
      ManagedChannel channel =
          Grpc.newChannelBuilderForAddress(
                  "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
              .build();
      io.grpc.Metadata metadata = new io.grpc.Metadata();
      metadata.put(
          io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
          "Bearer grpc-secret-1");
      metadata.put(
          io.grpc.Metadata.Key.of("x-session-token", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
          "grpc-secret-2");
      metadata.put(
          io.grpc.Metadata.Key.of("x-trace-hint", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "t1");
      try {
        QueryServiceGrpc.QueryServiceBlockingStub stub =
            QueryServiceGrpc.newBlockingStub(channel)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(metadata));
        assertThat(stub.getCall(GetCallRequest.newBuilder().setId("c1").build()).getId())
            .isEqualTo("c1");
        assertThatThrownBy(() -> stub.getCall(GetCallRequest.newBuilder().setId("missing").build()))
            .isInstanceOf(StatusRuntimeException.class);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      List<ApiCall> calls = stored("grpc-svc", 2);
      assertThat(calls).hasSize(2);
      ApiCall failed =
          calls.stream().filter(c -> c.getStatusCode() != 200).findFirst().orElseThrow();
      ApiCall ok = calls.stream().filter(c -> c.getStatusCode() == 200).findFirst().orElseThrow();
      assertThat(failed.getStatusCode()).isEqualTo(404);
      assertThat(failed.getError()).isEqualTo("NOT_FOUND: no call missing");
      assertThat(failed.getTagsMap()).containsEntry("grpc.status", "NOT_FOUND");
      assertThat(failed.getMethod()).isEqualTo("POST");
      assertThat(failed.getRoute()).isEqualTo("/tapline.v1.QueryService/GetCall");
      assertThat(failed.getPath()).isEqualTo("/tapline.v1.QueryService/GetCall");
      assertThat(failed.getRequestHeadersMap())
          .containsKey("content-type")
          .containsEntry("authorization", "[masked]")
          .containsEntry("x-session-token", "[masked]")
          .containsEntry("x-trace-hint", "t1");
      assertThat(failed.toString()).doesNotContain("grpc-secret");
      assertThat(ok.getTagsMap()).containsEntry("grpc.status", "OK");
      assertThat(ok.getError()).isEmpty();
      assertThat(ok.getSourceIp()).isEqualTo("127.0.0.1");
    }
  }

  @Test
  void armeriaDecoratorAndHttpClientWrapperRecordBothSides() throws Exception {
    try (TaplineClient served = client("armeria-svc");
        TaplineClient outbound = client("unused")) {
      Server server =
          Server.builder()
              .http(0)
              .service(
                  "/items/{id}",
                  (ctx, req) ->
                      com.linecorp.armeria.common.HttpResponse.of(
                          HttpStatus.OK,
                          MediaType.JSON_UTF_8,
                          "{\"id\":\"" + ctx.pathParam("id") + "\",\"token\":\"t-1\"}"))
              .service(
                  "/internal/metrics",
                  (ctx, req) -> com.linecorp.armeria.common.HttpResponse.of("metrics"))
              .decorator(TaplineArmeria.newDecorator(served))
              .build();
      server.start().join();
      HttpClient http =
          TaplineHttpClient.wrap(HttpClient.newHttpClient(), outbound, uri -> "inventory");
      try {
        String base = "http://127.0.0.1:" + server.activeLocalPort();
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/internal/metrics")).build(),
            HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/items/7?expand=all"))
                    .header("x-api-key", "k-123")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
          closedPort = socket.getLocalPort();
        }
        assertThatThrownBy(
                () ->
                    http.send(
                        HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + closedPort + "/items/8"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString()))
            .isInstanceOf(IOException.class);
      } finally {
        http.close();
        server.stop().join();
      }

      ApiCall inbound = stored("armeria-svc", 1).getFirst();
      assertThat(inbound.getMethod()).isEqualTo("GET");
      assertThat(inbound.getPath()).isEqualTo("/items/7");
      assertThat(inbound.getRoute()).isEqualTo("/items/:id");
      assertThat(inbound.getQueryParamsMap()).containsEntry("expand", "all");
      assertThat(inbound.getStatusCode()).isEqualTo(200);
      assertThat(inbound.getRequestHeadersMap()).containsEntry("x-api-key", "[masked]");
      assertThat(inbound.getResponseBody()).isEqualTo("{\"id\":\"7\",\"token\":\"[masked]\"}");
      assertThat(inbound.getResponseHeadersMap())
          .containsEntry("content-type", "application/json; charset=utf-8");
      assertThat(stored("armeria-svc", 1)).hasSize(1); // /internal/metrics is excluded

      List<ApiCall> calls = stored("inventory", 2);
      assertThat(calls).hasSize(2);
      ApiCall ok = calls.stream().filter(c -> c.getStatusCode() == 200).findFirst().orElseThrow();
      assertThat(ok.getTagsMap()).containsEntry("direction", "outbound");
      assertThat(ok.getUrl()).endsWith("/items/7?expand=all");
      assertThat(ok.getRequestHeadersMap()).containsEntry("x-api-key", "[masked]");
      assertThat(ok.getResponseBody()).isEqualTo("{\"id\":\"7\",\"token\":\"[masked]\"}");
      ApiCall failed =
          calls.stream().filter(c -> c.getStatusCode() != 200).findFirst().orElseThrow();
      assertThat(failed.getStatusCode()).isEqualTo(TaplineHttpClient.NO_RESPONSE_STATUS);
      assertThat(failed.getError()).contains("ConnectException");
      assertThat(failed.getPath()).isEqualTo("/items/8");
    }
  }
}
