package io.tapline.server.alert;

import static io.tapline.server.alert.AlertFixtures.create;
import static io.tapline.server.alert.AlertFixtures.ingest;
import static io.tapline.server.alert.AlertFixtures.storedEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.tapline.proto.v1.Aggregate;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertEventFilter;
import io.tapline.proto.v1.AlertEventKind;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.SubscribeAlertsRequest;
import io.tapline.proto.v1.Webhook;
import io.tapline.proto.v1.WindowedCondition;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.testing.SharedClickHouse;
import io.tapline.server.testing.TestTapline;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two server replicas on one ClickHouse database: one event per transition, seen by both. */
class AlertReplicasIT {

  private static final String[] FLAGS = {
    "--alerts.evaluation-interval=1s",
    "--alerts.event-poll-interval=100ms",
    "--alerts.rule-cache-ttl=1s",
    // The webhook receiver of this test listens on loopback, which only an allow-list opens.
    "--outbound.allowed-hosts=127.0.0.1"
  };

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline().withFlags(FLAGS).withFlags("--alerts.replica-id=replica-a");

  private static TaplineServer second;
  private static ManagedChannel secondChannel;
  private static Channel replicaB;
  private static HttpServer receiver;
  private static final AtomicInteger webhookCalls = new AtomicInteger();

  @BeforeAll
  static void startSecondReplica() throws IOException {
    String[] flags = new String[FLAGS.length + 2];
    System.arraycopy(FLAGS, 0, flags, 0, FLAGS.length);
    flags[FLAGS.length] = "--auth.bootstrap-admin-key=" + tapline.adminKey();
    flags[FLAGS.length + 1] = "--alerts.replica-id=replica-b";
    second =
        TaplineServer.start(
            SharedClickHouse.on(
                ConfigLoader.load(flags).withPort(0), tapline.server().storage().database()));
    secondChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", second.port()).usePlaintext().build();
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + tapline.adminKey());
    replicaB =
        ClientInterceptors.intercept(
            secondChannel, MetadataUtils.newAttachHeadersInterceptor(headers));

    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          webhookCalls.incrementAndGet();
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.start();
  }

  @AfterAll
  static void stopSecondReplica() {
    receiver.stop(0);
    secondChannel.shutdownNow();
    second.close();
  }

  private static List<AlertEventKind> kinds(List<AlertEvent> events) {
    return events.stream().map(AlertEvent::getKind).toList();
  }

  @Test
  void bothReplicasEvaluateButEachTransitionIsStoredNotifiedAndDeliveredOnce() {
    AlertRule rule =
        create(
            tapline.channel(),
            AlertRule.newBuilder()
                .setService("shared")
                .setEnabled(true)
                .setWindowed(
                    WindowedCondition.newBuilder()
                        .setAggregate(Aggregate.ERROR_RATE)
                        .setThreshold(0.5)
                        .setMinSamples(5)
                        .setWindow(Durations.fromSeconds(10)))
                .addWebhooks(
                    Webhook.newBuilder()
                        .setUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"))
                .build());
    SubscribeAlertsRequest request =
        SubscribeAlertsRequest.newBuilder()
            .setFilter(AlertEventFilter.newBuilder().setRuleId(rule.getId()))
            .build();
    AlertFixtures.Subscriber onA =
        AlertFixtures.Subscriber.subscribe(tapline.channel(), request, false);
    AlertFixtures.Subscriber onB = AlertFixtures.Subscriber.subscribe(replicaB, request, false);

    // Traffic through both replicas.
    ingest(tapline.channel(), "shared", 10, 500, 10);
    ingest(replicaB, "shared", 10, 500, 10);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(kinds(storedEvents(tapline.channel(), rule.getId())))
                    .containsExactly(AlertEventKind.FIRING));
    // Both keep evaluating the breach for several slots: still one event.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(6))
        .until(() -> storedEvents(replicaB, rule.getId()).size() == 1);

    ingest(replicaB, "shared", 200, 200, 10);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(kinds(storedEvents(tapline.channel(), rule.getId())))
                    .containsExactly(AlertEventKind.FIRING, AlertEventKind.RESOLVED));
    List<Long> ids =
        storedEvents(tapline.channel(), rule.getId()).stream().map(AlertEvent::getId).toList();

    // Each replica streams every event once, whichever replica stored it.
    await()
        .untilAsserted(
            () -> {
              assertThat(onA.ids()).isEqualTo(ids);
              assertThat(onB.ids()).isEqualTo(ids);
            });
    // Only the replica that stored an event delivers its webhook.
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .until(() -> webhookCalls.get() == 2);
    onA.cancel();
    onB.cancel();
  }

  @Test
  void aRuleCreatedOnOneReplicaActsOnTheOtherWithinTheCacheBound() {
    AlertRule rule = create(tapline.channel(), AlertFixtures.perCallServerErrors("crossover", 0));
    // Calls ingested through replica B are checked by B's per-call rules once its cache refreshed.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              ingest(replicaB, "crossover", 1, 500, 10);
              assertThat(storedEvents(tapline.channel(), rule.getId())).isNotEmpty();
            });
  }
}
