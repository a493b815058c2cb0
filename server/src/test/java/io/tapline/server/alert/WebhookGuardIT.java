package io.tapline.server.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.tapline.proto.v1.AlertEventKind;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.CallClause;
import io.tapline.proto.v1.PerCallCondition;
import io.tapline.proto.v1.Webhook;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.WebhookDeliveryRecord;
import io.tapline.server.storage.clickhouse.ClickHouseAlertEventStore;
import io.tapline.server.storage.clickhouse.ClickHouseAlertRuleStore;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.testing.SharedClickHouse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks are checked where they go at every delivery, not only when their rule was saved: a name
 * that now resolves to a refused address is not delivered to, and redirects are not followed. The
 * resolver maps test names to chosen addresses; only loopback is ever contacted.
 */
class WebhookGuardIT {

  private static ClickHouseStorage storage;
  private static HttpServer receiver;
  private static final AtomicInteger hooks = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    storage = SharedClickHouse.openStorage(WebhookGuardIT.class, 2);
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          hooks.incrementAndGet();
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.createContext(
        "/redirect",
        exchange -> {
          hooks.incrementAndGet();
          exchange.getResponseHeaders().add("location", "http://169.254.169.254/latest/meta-data");
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
    storage.close();
  }

  private static OutboundGuard guard(List<String> allowed) {
    return new OutboundGuard(
        host -> {
          if (host.equals("rebind.test")) {
            return List.of(InetAddress.ofLiteral("127.0.0.1"));
          }
          throw new UnknownHostException(host);
        },
        allowed);
  }

  private List<WebhookDeliveryRecord> deliver(String path, OutboundGuard guard, String ruleId) {
    ClickHouseAlertRuleStore rules = new ClickHouseAlertRuleStore(storage.dataSource());
    ClickHouseAlertEventStore events = new ClickHouseAlertEventStore(storage.dataSource());
    AlertRule rule =
        AlertRule.newBuilder()
            .setId(ruleId)
            .setName("guarded")
            .setService("guarded")
            .setPerCall(
                PerCallCondition.newBuilder()
                    .addClauses(
                        CallClause.newBuilder()
                            .setField("status_code")
                            .setOp(">=")
                            .setValue("500")))
            .addWebhooks(
                Webhook.newBuilder()
                    .setUrl("http://rebind.test:" + receiver.getAddress().getPort() + path))
            .setCreateTime(com.google.protobuf.util.Timestamps.fromMillis(0))
            .setUpdateTime(com.google.protobuf.util.Timestamps.fromMillis(0))
            .build();
    // Stored as if it had passed the check when it was saved.
    rules.put(RuleParser.toRecord(rule));
    try (WebhookNotifier notifier =
        new WebhookNotifier(
            new Rules(rules, Duration.ofMillis(1)),
            events,
            1,
            Duration.ofMillis(10),
            Duration.ofSeconds(2),
            guard)) {
      notifier.deliver(
          new AlertEventRecord(
              7,
              "k",
              ruleId,
              "guarded",
              "guarded",
              3,
              AlertEventKind.TRIGGERED_VALUE,
              500,
              500,
              0,
              Instant.now(),
              Instant.now(),
              Instant.now(),
              List.of(),
              1,
              "",
              "o"));
      await().until(() -> !events.deliveries(ruleId, 0, 10).isEmpty());
      return events.deliveries(ruleId, 0, 10);
    }
  }

  @Test
  void aNameResolvingToARefusedAddressAtDeliveryIsNotContacted() {
    int before = hooks.get();
    List<WebhookDeliveryRecord> log = deliver("/hook", guard(List.of()), "r-rebind");
    assertThat(log)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.success()).isFalse();
              assertThat(d.httpStatus()).isZero();
              assertThat(d.error()).contains("refused").contains("loopback");
            });
    assertThat(hooks.get()).isEqualTo(before);
  }

  @Test
  void anAllowedNameIsDeliveredToItsCheckedAddress() {
    int before = hooks.get();
    List<WebhookDeliveryRecord> log = deliver("/hook", guard(List.of("rebind.test")), "r-allowed");
    assertThat(log).singleElement().satisfies(d -> assertThat(d.success()).isTrue());
    assertThat(hooks.get()).isEqualTo(before + 1);
  }

  @Test
  void redirectsAreNotFollowed() {
    List<WebhookDeliveryRecord> log =
        deliver("/redirect", guard(List.of("rebind.test")), "r-redirect");
    assertThat(log)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.success()).isFalse();
              assertThat(d.httpStatus()).isEqualTo(302);
            });
  }
}
