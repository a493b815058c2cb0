package io.tapline.server.alert;

import static io.tapline.server.alert.AlertFixtures.create;
import static io.tapline.server.alert.AlertFixtures.ingest;
import static io.tapline.server.alert.AlertFixtures.storedEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.ListWebhookDeliveriesRequest;
import io.tapline.proto.v1.Webhook;
import io.tapline.proto.v1.WebhookDelivery;
import io.tapline.proto.v1.WebhookFormat;
import io.tapline.server.testing.TestTapline;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Webhooks to a real loopback HTTP server: signature, retries with backoff, delivery log, Slack.
 */
class AlertWebhooksIT {

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline()
          .withFlags(
              "--alerts.event-poll-interval=100ms",
              "--alerts.webhook-max-attempts=4",
              "--alerts.webhook-initial-backoff=50ms",
              "--alerts.webhook-timeout=2s",
              // The receivers of this test listen on loopback, which only an allow-list opens.
              "--outbound.allowed-hosts=127.0.0.1");

  private static final ObjectMapper json = new ObjectMapper();

  /** What the receiver got on one path. */
  record Received(Map<String, List<String>> headers, String body) {}

  private static HttpServer receiver;
  private static final Map<String, List<Received>> received =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final AtomicInteger flakyFailuresLeft = new AtomicInteger(2);

  @BeforeAll
  static void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", AlertWebhooksIT::handle);
    receiver.start();
  }

  @AfterAll
  static void stopReceiver() {
    receiver.stop(0);
  }

  private static void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    received
        .computeIfAbsent(path, p -> new CopyOnWriteArrayList<>())
        .add(new Received(Map.copyOf(exchange.getRequestHeaders()), body));
    int status = path.equals("/flaky") && flakyFailuresLeft.getAndDecrement() > 0 ? 500 : 204;
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
  }

  @Test
  void eventsAreSignedRetriedLoggedAndShapedForSlack() throws Exception {
    AlertRule rule =
        create(
            tapline.channel(),
            AlertFixtures.perCallServerErrors("hooks", 60_000).toBuilder()
                .addWebhooks(Webhook.newBuilder().setUrl(url("/flaky")).setSecret("k3y"))
                .addWebhooks(
                    Webhook.newBuilder().setUrl(url("/slack")).setFormat(WebhookFormat.SLACK))
                .build());
    ingest(tapline.channel(), "hooks", 1, 502, 10);
    await().untilAsserted(() -> assertThat(received.getOrDefault("/flaky", List.of())).hasSize(3));
    await().untilAsserted(() -> assertThat(received.getOrDefault("/slack", List.of())).hasSize(1));
    AlertEvent event = storedEvents(tapline.channel(), rule.getId()).getFirst();

    for (Received request : received.get("/flaky")) {
      String signature = request.headers().get("X-tapline-signature").getFirst();
      String t = signature.substring(2, signature.indexOf(','));
      assertThat(signature)
          .endsWith(",v1=" + WebhookNotifier.sign("k3y", t + "." + request.body()));
      assertThat(signature)
          .doesNotEndWith(",v1=" + WebhookNotifier.sign("other", t + "." + request.body()));
      JsonNode body = json.readTree(request.body());
      assertThat(body.get("ruleId").asText()).isEqualTo(rule.getId());
      assertThat(body.get("id").asLong()).isEqualTo(event.getId());
      assertThat(body.get("kind").asText()).isEqualTo("TRIGGERED");
    }
    Received slack = received.get("/slack").getFirst();
    assertThat(slack.headers()).doesNotContainKey("X-tapline-signature");
    assertThat(json.readTree(slack.body()).get("text").asText())
        .contains("TRIGGERED")
        .contains("5xx on hooks")
        .contains("value 502.0");

    AlertServiceGrpc.AlertServiceBlockingStub alerts =
        AlertServiceGrpc.newBlockingStub(tapline.channel());
    await()
        .untilAsserted(
            () -> {
              List<WebhookDelivery> log =
                  alerts
                      .listWebhookDeliveries(
                          ListWebhookDeliveriesRequest.newBuilder().setRuleId(rule.getId()).build())
                      .getDeliveriesList();
              assertThat(
                      log.stream()
                          .filter(d -> d.getUrl().endsWith("/flaky"))
                          .sorted(java.util.Comparator.comparingInt(WebhookDelivery::getAttempt))
                          .toList())
                  .extracting(
                      WebhookDelivery::getAttempt,
                      WebhookDelivery::getHttpStatus,
                      WebhookDelivery::getSuccess)
                  .containsExactly(
                      org.assertj.core.groups.Tuple.tuple(1, 500, false),
                      org.assertj.core.groups.Tuple.tuple(2, 500, false),
                      org.assertj.core.groups.Tuple.tuple(3, 204, true));
              assertThat(log.stream().filter(d -> d.getUrl().endsWith("/slack")).toList())
                  .extracting(WebhookDelivery::getSuccess)
                  .containsExactly(true);
              assertThat(log).allSatisfy(d -> assertThat(d.getEventId()).isEqualTo(event.getId()));
            });
  }

  @Test
  void aDeadEndpointNeitherBlocksEvaluationNorRetriesForever() {
    AlertRule rule =
        create(
            tapline.channel(),
            AlertFixtures.perCallServerErrors("deadhook", 0).toBuilder()
                // Nothing listens on port 1.
                .addWebhooks(Webhook.newBuilder().setUrl("http://127.0.0.1:1/hook"))
                .build());
    for (int i = 0; i < 5; i++) {
      ingest(tapline.channel(), "deadhook", 20, 500, 10);
    }
    await()
        .untilAsserted(
            () -> assertThat(storedEvents(tapline.channel(), rule.getId())).hasSize(100));
    AlertServiceGrpc.AlertServiceBlockingStub alerts =
        AlertServiceGrpc.newBlockingStub(tapline.channel());
    await()
        .untilAsserted(
            () ->
                assertThat(
                        alerts
                            .listWebhookDeliveries(
                                ListWebhookDeliveriesRequest.newBuilder()
                                    .setRuleId(rule.getId())
                                    .setPageSize(1000)
                                    .build())
                            .getDeliveriesList())
                    .hasSize(100 * 4)
                    .allSatisfy(
                        d -> {
                          assertThat(d.getSuccess()).isFalse();
                          assertThat(d.getHttpStatus()).isZero();
                          assertThat(d.getError()).isNotEmpty();
                        }));
  }
}
