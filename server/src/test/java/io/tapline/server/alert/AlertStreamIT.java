package io.tapline.server.alert;

import static io.tapline.server.alert.AlertFixtures.create;
import static io.tapline.server.alert.AlertFixtures.gauge;
import static io.tapline.server.alert.AlertFixtures.ingest;
import static io.tapline.server.alert.AlertFixtures.storedEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertEventFilter;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.SubscribeAlertsRequest;
import io.tapline.server.testing.TestTapline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SubscribeAlerts: resume without gap or duplicate, bounded buffers, freed resources. */
class AlertStreamIT {

  static final int BUFFER = 50;
  static final String REPLICA = "stream-it";

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline()
          .withFlags(
              "--alerts.event-poll-interval=100ms",
              "--alerts.heartbeat-interval=300ms",
              "--alerts.subscriber-buffer=" + BUFFER,
              "--alerts.subscriber-stall-timeout=1s",
              "--alerts.replica-id=" + REPLICA);

  private static SubscribeAlertsRequest forRule(AlertRule rule, Long afterId) {
    SubscribeAlertsRequest.Builder request =
        SubscribeAlertsRequest.newBuilder()
            .setFilter(AlertEventFilter.newBuilder().setRuleId(rule.getId()));
    if (afterId != null) {
      request.setAfterId(afterId);
    }
    return request.build();
  }

  private static List<Long> ids(List<AlertEvent> events) {
    return events.stream().map(AlertEvent::getId).toList();
  }

  @Test
  void resumingAfterADisconnectMissesNothingAndRepeatsNothing() {
    AlertRule rule = create(tapline.channel(), AlertFixtures.perCallServerErrors("resume", 0));
    int total = 300;
    AlertFixtures.Subscriber first =
        AlertFixtures.Subscriber.subscribe(tapline.channel(), forRule(rule, 0L), false);
    AtomicInteger batches = new AtomicInteger();
    CompletableFuture<Void> producer =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < total / 10; i++) {
                ingest(tapline.channel(), "resume", 10, 500, 5);
                batches.incrementAndGet();
              }
            });
    await().untilAsserted(() -> assertThat(first.events).hasSizeGreaterThanOrEqualTo(30));
    first.cancel();
    await().until(() -> first.closed.get() != null);
    List<AlertEvent> before = new ArrayList<>(first.events);
    assertThat(batches.get()).as("the producer is still running").isLessThan(total / 10);

    AlertFixtures.Subscriber second =
        AlertFixtures.Subscriber.subscribe(
            tapline.channel(), forRule(rule, before.getLast().getId()), false);
    producer.join();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(before.size() + second.events.size()).isGreaterThanOrEqualTo(total));

    List<Long> received = new ArrayList<>(ids(before));
    received.addAll(second.ids());
    assertThat(received).doesNotHaveDuplicates().isSorted().hasSize(total);
    assertThat(received).isEqualTo(ids(storedEvents(tapline.channel(), rule.getId())));
    second.cancel();
  }

  @Test
  void aSlowSubscriberIsClosedWithBoundedMemoryAndResumes() {
    AlertRule rule = create(tapline.channel(), AlertFixtures.perCallServerErrors("flood", 0));
    double subscribersBefore =
        gauge(tapline.server().meters(), "tapline.alerts.subscribers", REPLICA);
    // Reads one message, then nothing until told; a small HTTP/2 window, so the client's transport
    // stops taking messages soon.
    io.grpc.ManagedChannel narrow =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                "127.0.0.1", tapline.port())
            .usePlaintext()
            .flowControlWindow(16 * 1024)
            .build();
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(
        io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + tapline.adminKey());
    io.grpc.Channel narrowChannel =
        io.grpc.ClientInterceptors.intercept(
            narrow, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    AlertFixtures.Subscriber slow =
        AlertFixtures.Subscriber.subscribe(narrowChannel, forRule(rule, null), true);
    await()
        .until(
            () ->
                gauge(tapline.server().meters(), "tapline.alerts.subscribers", REPLICA)
                    == subscribersBefore + 1);

    int total = 5000;
    CompletableFuture<Void> producer =
        CompletableFuture.runAsync(() -> ingest(tapline.channel(), "flood", total, 500, 5));
    double[] maxBuffered = {0};
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              maxBuffered[0] =
                  Math.max(
                      maxBuffered[0],
                      gauge(tapline.server().meters(), "tapline.alerts.buffered.events", REPLICA));
              return gauge(tapline.server().meters(), "tapline.alerts.subscribers", REPLICA)
                  == subscribersBefore;
            });
    assertThat(maxBuffered[0]).as("events buffered on the server").isLessThanOrEqualTo(BUFFER);
    producer.join();

    slow.stream.request(Integer.MAX_VALUE);
    await().until(() -> slow.closed.get() != null);
    Status status = slow.closed.get();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    Matcher resume = Pattern.compile("after_id=(\\d+)").matcher(status.getDescription());
    assertThat(resume.find()).as(status.getDescription()).isTrue();
    long afterId = Long.parseLong(resume.group(1));
    assertThat(afterId).isEqualTo(slow.events.isEmpty() ? 0 : slow.events.getLast().getId());
    assertThat(slow.events.size()).isLessThan(total);

    AlertFixtures.Subscriber resumed =
        AlertFixtures.Subscriber.subscribe(
            tapline.channel(), forRule(rule, slow.events.isEmpty() ? 0L : afterId), false);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(slow.events.size() + resumed.events.size())
                    .isGreaterThanOrEqualTo(total));
    List<Long> received = new ArrayList<>(slow.ids());
    received.addAll(resumed.ids());
    assertThat(received).doesNotHaveDuplicates().isSorted().hasSize(total);
    resumed.cancel();
    narrow.shutdownNow();
  }

  @Test
  void cancelledStreamsFreeTheirResources() {
    double before = gauge(tapline.server().meters(), "tapline.alerts.subscribers", REPLICA);
    List<AlertFixtures.Subscriber> subscribers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      subscribers.add(
          AlertFixtures.Subscriber.subscribe(
              tapline.channel(), SubscribeAlertsRequest.getDefaultInstance(), false));
    }
    await()
        .until(
            () ->
                gauge(tapline.server().meters(), "tapline.alerts.subscribers", REPLICA)
                    == before + 5);
    // Idle streams are kept alive by heartbeats, past any request timeout.
    await()
        .untilAsserted(
            () ->
                assertThat(subscribers)
                    .allSatisfy(s -> assertThat(s.heartbeats.get()).isGreaterThan(1)));
    subscribers.forEach(AlertFixtures.Subscriber::cancel);
    await()
        .until(
            () ->
                gauge(tapline.server().meters(), "tapline.alerts.subscribers", REPLICA) == before);
  }
}
