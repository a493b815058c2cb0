package io.tapline.bench;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.Aggregate;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertEventKind;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallClause;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.PerCallCondition;
import io.tapline.proto.v1.SubscribeAlertsRequest;
import io.tapline.proto.v1.SubscribeAlertsResponse;
import io.tapline.proto.v1.WindowedCondition;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.testing.SharedClickHouse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Delay from ingesting a call that triggers an alert rule to the event arriving on a
 * SubscribeAlerts stream, through a real server on the embedded engine, over loopback gRPC.
 *
 * <ul>
 *   <li>per-call: a rule {@code status_code >= 500} (no cooldown); one triggering call at a time,
 *       timed from just before the Ingest call to the event's arrival;
 *   <li>windowed: one rule per service ({@code REQUEST_COUNT above 0}, 10s window); one call per
 *       service at a random moment; the delay includes waiting for the next evaluation slot, so it
 *       is bounded by the evaluation interval plus the query.
 * </ul>
 *
 * <p>Run: {@code ./bench/run AlertLatencyBenchmark [perCallSamples=300] [windowedSamples=40]
 * [evaluationInterval=1s]}
 */
public final class AlertLatencyBenchmark {

  private AlertLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    int perCallSamples = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int windowedSamples = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    String interval = args.length > 2 ? args[2] : "1s";
    String adminKey = ApiKeys.generate().key();
    TaplineServer server =
        TaplineServer.start(
            ConfigLoader.load(
                    new String[] {
                      "--auth.bootstrap-admin-key=" + adminKey,
                      "--alerts.evaluation-interval=" + interval
                    })
                .withPort(0)
                .withClickHouse(
                    SharedClickHouse.engine().jdbcUrl(),
                    SharedClickHouse.engine().user(),
                    SharedClickHouse.engine().password(),
                    "bench_alerts_" + ProcessHandle.current().pid()));
    ManagedChannel managed =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + adminKey);
    Channel channel =
        ClientInterceptors.intercept(managed, MetadataUtils.newAttachHeadersInterceptor(headers));
    try {
      AlertServiceGrpc.AlertServiceBlockingStub alerts = AlertServiceGrpc.newBlockingStub(channel);
      IngestServiceGrpc.IngestServiceBlockingStub ingest =
          IngestServiceGrpc.newBlockingStub(channel);

      // Arrival time of the event for each sample call id (per-call) or service (windowed).
      Map<String, Long> arrivals = new ConcurrentHashMap<>();
      Map<String, CountDownLatch> waiting = new ConcurrentHashMap<>();
      AlertServiceGrpc.newStub(channel)
          .subscribeAlerts(
              SubscribeAlertsRequest.getDefaultInstance(),
              new StreamObserver<>() {
                @Override
                public void onNext(SubscribeAlertsResponse response) {
                  long now = System.nanoTime();
                  if (!response.hasEvent()) {
                    return;
                  }
                  AlertEvent event = response.getEvent();
                  String key =
                      event.getKind() == AlertEventKind.TRIGGERED
                          ? event.getSampleCallIds(0)
                          : event.getKind() == AlertEventKind.FIRING ? event.getService() : null;
                  if (key != null) {
                    arrivals.putIfAbsent(key, now);
                    CountDownLatch latch = waiting.get(key);
                    if (latch != null) {
                      latch.countDown();
                    }
                  }
                }

                @Override
                public void onError(Throwable t) {
                  System.err.println("subscription ended: " + t);
                }

                @Override
                public void onCompleted() {}
              });

      alerts.createAlertRule(
          CreateAlertRuleRequest.newBuilder()
              .setRule(
                  AlertRule.newBuilder()
                      .setService("bench-per-call")
                      .setEnabled(true)
                      .setPerCall(
                          PerCallCondition.newBuilder()
                              .addClauses(
                                  CallClause.newBuilder()
                                      .setField("status_code")
                                      .setOp(">=")
                                      .setValue("500")))
                      .setCooldown(Durations.fromMillis(0)))
              .build());
      // Warm up: JIT, connections, the rule cache.
      List<Long> perCall = measurePerCall(ingest, arrivals, waiting, 30);
      perCall = measurePerCall(ingest, arrivals, waiting, perCallSamples);
      report(
          "per-call rule (status_code >= 500), triggering Ingest call -> event on the stream",
          perCall);

      List<String> services = new ArrayList<>();
      for (int i = 0; i < windowedSamples; i++) {
        String service = "bench-windowed-" + i;
        services.add(service);
        alerts.createAlertRule(
            CreateAlertRuleRequest.newBuilder()
                .setRule(
                    AlertRule.newBuilder()
                        .setService(service)
                        .setEnabled(true)
                        .setWindowed(
                            WindowedCondition.newBuilder()
                                .setAggregate(Aggregate.REQUEST_COUNT)
                                .setThreshold(0)
                                .setWindow(Durations.fromSeconds(10))))
                .build());
      }
      List<Long> windowed = new ArrayList<>();
      for (String service : services) {
        Thread.sleep(ThreadLocalRandom.current().nextLong(50, 700));
        CountDownLatch latch = new CountDownLatch(1);
        waiting.put(service, latch);
        long start = System.nanoTime();
        ingest.ingest(
            IngestRequest.newBuilder()
                .addCalls(call(service, UUID.randomUUID().toString(), 200))
                .build());
        if (!latch.await(30, TimeUnit.SECONDS)) {
          System.err.println("no FIRING event for " + service + " within 30s");
          continue;
        }
        windowed.add(arrivals.get(service) - start);
      }
      report(
          "windowed rule (request count, evaluation interval "
              + interval
              + "), triggering Ingest call -> FIRING event on the stream",
          windowed);
    } finally {
      managed.shutdownNow();
      server.close();
    }
    System.exit(0);
  }

  private static List<Long> measurePerCall(
      IngestServiceGrpc.IngestServiceBlockingStub ingest,
      Map<String, Long> arrivals,
      Map<String, CountDownLatch> waiting,
      int samples)
      throws InterruptedException {
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      String id = UUID.randomUUID().toString();
      CountDownLatch latch = new CountDownLatch(1);
      waiting.put(id, latch);
      long start = System.nanoTime();
      ingest.ingest(IngestRequest.newBuilder().addCalls(call("bench-per-call", id, 503)).build());
      if (!latch.await(30, TimeUnit.SECONDS)) {
        System.err.println("no event for call " + id + " within 30s");
        continue;
      }
      delays.add(arrivals.get(id) - start);
      waiting.remove(id);
    }
    return delays;
  }

  private static ApiCall call(String service, String id, int status) {
    Instant now = Instant.now();
    return ApiCall.newBuilder()
        .setId(id)
        .setTimestamp(
            Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setService(service)
        .setMethod("POST")
        .setUrl("https://api.example.com/v1/orders")
        .setRoute("/v1/orders")
        .setStatusCode(status)
        .setLatencyMs(12)
        .build();
  }

  private static void report(String what, List<Long> nanos) {
    if (nanos.isEmpty()) {
      System.out.println(what + ": no samples");
      return;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    System.out.printf(
        "%s%n  n=%d  median=%.1f ms  p99=%.1f ms  max=%.1f ms%n",
        what,
        sorted.size(),
        sorted.get(sorted.size() / 2) / 1e6,
        sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)) / 1e6,
        sorted.getLast() / 1e6);
  }
}
