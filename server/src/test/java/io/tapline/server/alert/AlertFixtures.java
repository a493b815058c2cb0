package io.tapline.server.alert;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertEventFilter;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallClause;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.ListAlertEventsRequest;
import io.tapline.proto.v1.ListAlertEventsResponse;
import io.tapline.proto.v1.PerCallCondition;
import io.tapline.proto.v1.SubscribeAlertsRequest;
import io.tapline.proto.v1.SubscribeAlertsResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Shared helpers of the alert tests: calls, rules, subscribers. */
public final class AlertFixtures {

  private AlertFixtures() {}

  static ApiCall call(String service, int status, double latencyMs) {
    Instant now = Instant.now();
    return ApiCall.newBuilder()
        .setId(UUID.randomUUID().toString())
        .setTimestamp(
            Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setService(service)
        .setMethod("GET")
        .setUrl("https://api.example.com/orders/1")
        .setRoute("/orders/{id}")
        .setStatusCode(status)
        .setLatencyMs(latencyMs)
        .build();
  }

  /** Ingests {@code count} calls of one status, in batches of at most 1000. */
  static void ingest(Channel channel, String service, int count, int status, double latencyMs) {
    IngestServiceGrpc.IngestServiceBlockingStub ingest = IngestServiceGrpc.newBlockingStub(channel);
    for (int from = 0; from < count; from += 1000) {
      IngestRequest.Builder batch = IngestRequest.newBuilder();
      for (int i = from; i < Math.min(count, from + 1000); i++) {
        batch.addCalls(call(service, status, latencyMs));
      }
      ingest.ingest(batch.build());
    }
  }

  /** A per-call rule on every 5xx of {@code service}, named "5xx on {@code service}". */
  public static AlertRule perCallServerErrors(String service, long cooldownMillis) {
    return AlertRule.newBuilder()
        .setName("5xx on " + service)
        .setService(service)
        .setEnabled(true)
        .setPerCall(
            PerCallCondition.newBuilder()
                .addClauses(
                    CallClause.newBuilder().setField("status_code").setOp(">=").setValue("500")))
        .setCooldown(Durations.fromMillis(cooldownMillis))
        .build();
  }

  static AlertRule create(Channel channel, AlertRule rule) {
    return AlertServiceGrpc.newBlockingStub(channel)
        .createAlertRule(CreateAlertRuleRequest.newBuilder().setRule(rule).build());
  }

  /** Every stored event of a rule, oldest first. */
  static List<AlertEvent> storedEvents(Channel channel, String ruleId) {
    AlertServiceGrpc.AlertServiceBlockingStub alerts = AlertServiceGrpc.newBlockingStub(channel);
    List<AlertEvent> all = new ArrayList<>();
    String token = "";
    do {
      ListAlertEventsResponse page =
          alerts.listAlertEvents(
              ListAlertEventsRequest.newBuilder()
                  .setFilter(AlertEventFilter.newBuilder().setRuleId(ruleId))
                  .setPageSize(1000)
                  .setPageToken(token)
                  .build());
      all.addAll(page.getEventsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all.reversed();
  }

  static double gauge(MeterRegistry meters, String name, String replica) {
    Gauge gauge = meters.find(name).tag("replica", replica).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  /** A subscriber that records what it receives; optionally reads only when told to. */
  static final class Subscriber
      implements ClientResponseObserver<SubscribeAlertsRequest, SubscribeAlertsResponse> {
    final List<AlertEvent> events = new CopyOnWriteArrayList<>();
    final AtomicInteger heartbeats = new AtomicInteger();
    final AtomicReference<Status> closed = new AtomicReference<>();
    private final boolean manual;
    volatile ClientCallStreamObserver<SubscribeAlertsRequest> stream;

    Subscriber(boolean manual) {
      this.manual = manual;
    }

    static Subscriber subscribe(Channel channel, SubscribeAlertsRequest request, boolean manual) {
      Subscriber subscriber = new Subscriber(manual);
      AlertServiceGrpc.newStub(channel).subscribeAlerts(request, subscriber);
      return subscriber;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeAlertsRequest> requestStream) {
      stream = requestStream;
      if (manual) {
        requestStream.disableAutoRequestWithInitial(1);
      }
    }

    @Override
    public void onNext(SubscribeAlertsResponse value) {
      if (value.hasEvent()) {
        events.add(value.getEvent());
      } else {
        heartbeats.incrementAndGet();
      }
    }

    @Override
    public void onError(Throwable t) {
      closed.set(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      closed.set(Status.OK);
    }

    void cancel() {
      stream.cancel("test done", null);
    }

    List<Long> ids() {
      return events.stream().map(AlertEvent::getId).toList();
    }
  }
}
