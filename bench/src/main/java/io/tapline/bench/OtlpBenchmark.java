package io.tapline.bench;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.testing.ServerOnOwnEngine;
import io.tapline.server.testing.TempDirs;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * OTLP ingest throughput: clients export SERVER spans over OTLP/gRPC (exports of 512 spans, the
 * OpenTelemetry SDK's batch size, each span a distinct call with HTTP attributes and headers) into
 * a server on its own embedded engine. After the warm-up it prints spans stored per second and the
 * CPU per span of the server (this JVM less the clients' threads) and of the engine, beside {@link
 * IngestBenchmark}'s figures per record.
 *
 * <pre>
 * ./bench/run OtlpBenchmark [--clients=8] [--spans=512] [--seconds=30] [--warmup=10]
 * </pre>
 */
public final class OtlpBenchmark {

  private static final String CLIENT_THREAD = "otlp-bench-client-";

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new java.util.HashMap<>();
    for (String arg : args) {
      if (arg.startsWith("--") && arg.contains("=")) {
        opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
      }
    }
    int clients = Integer.parseInt(opts.getOrDefault("clients", "8"));
    int spans = Integer.parseInt(opts.getOrDefault("spans", "512"));
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "30"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "10"));
    Path dataDir = Files.createTempDirectory("tapline-otlp-bench");
    System.out.printf(
        "OtlpBenchmark: %d clients, exports of %d spans, %d s (+%d s warm-up), %d cores%n",
        clients, spans, seconds, warmup, Runtime.getRuntime().availableProcessors());
    try (ServerOnOwnEngine tapline =
        ServerOnOwnEngine.start(dataDir, "bench", "--ingest.rate-limit-per-second=0")) {
      run(tapline, clients, spans, seconds, warmup);
    } finally {
      TempDirs.deleteTree(dataDir);
    }
  }

  private static void run(
      ServerOnOwnEngine tapline, int clients, int spans, int seconds, int warmup) throws Exception {
    TaplineServer server = tapline.server();
    EmbeddedClickHouse engine = tapline.engine();
    Channel authed = tapline.channel();
    AtomicLong sequence = new AtomicLong();
    AtomicLong exported = new AtomicLong();
    long start = System.nanoTime();
    long measureAt = start + TimeUnit.SECONDS.toNanos(warmup);
    long endAt = measureAt + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong threadNumber = new AtomicLong();
    ExecutorService threads =
        Executors.newFixedThreadPool(
            clients, r -> new Thread(r, CLIENT_THREAD + threadNumber.getAndIncrement()));
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      running.add(
          threads.submit(
              () -> {
                var stub = TraceServiceGrpc.newBlockingStub(authed);
                while (System.nanoTime() < endAt) {
                  ExportTraceServiceResponse answer =
                      stub.export(export(spans, sequence.getAndAdd(spans)));
                  if (answer.getPartialSuccess().getRejectedSpans() > 0) {
                    throw new IllegalStateException(answer.getPartialSuccess().getErrorMessage());
                  }
                  exported.addAndGet(spans);
                }
                return null;
              }));
    }
    while (System.nanoTime() < measureAt) {
      Thread.sleep(100);
    }
    long[] cpuAtStart = IngestBenchmark.cpuNanos(engine);
    long clientCpuAtStart = clientCpuNanos();
    long storedAtStart = IngestBenchmark.storedRows(server);
    long measuredFrom = System.nanoTime();
    for (Future<?> f : running) {
      f.get();
    }
    long[] cpuAtEnd = IngestBenchmark.cpuNanos(engine);
    long clientCpu = clientCpuNanos() - clientCpuAtStart;
    long stored = IngestBenchmark.storedRows(server) - storedAtStart;
    double secs = (System.nanoTime() - measuredFrom) / 1e9;
    threads.shutdown();
    double serverCpu = (cpuAtEnd[0] - cpuAtStart[0] - clientCpu) / 1e9;
    double engineCpu = (cpuAtEnd[1] - cpuAtStart[1]) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "sustained (after warm-up, %.0f s): %.0f spans/s stored (%d spans exported in all)%n"
            + "CPU while measuring: server %.1f s (this JVM less the clients' %.1f s), engine %.1f"
            + " s; per span: server %.1f µs, engine %.1f µs; %.0f spans per CPU-second%n",
        secs,
        stored / secs,
        exported.get(),
        serverCpu,
        clientCpu / 1e9,
        engineCpu,
        serverCpu * 1e6 / stored,
        engineCpu * 1e6 / stored,
        stored / (serverCpu + engineCpu));
  }

  /** CPU of the clients' threads and of gRPC's client threads, which share this JVM. */
  private static long clientCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null
          && (info.getThreadName().startsWith(CLIENT_THREAD)
              || info.getThreadName().startsWith("grpc-"))) {
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        total += Math.max(0, cpu);
      }
    }
    return total;
  }

  /** An export of {@code spans} SERVER spans numbered from {@code first}: each a distinct call. */
  private static ExportTraceServiceRequest export(int spans, long first) {
    long now = System.currentTimeMillis() * 1_000_000L;
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      long n = first + i;
      String route = ROUTES[(int) (n % ROUTES.length)];
      long status = n % 50 == 0 ? 503 : n % 10 == 0 ? 404 : 200;
      scope.addSpans(
          Span.newBuilder()
              .setTraceId(id(16, n))
              .setSpanId(id(8, n))
              .setName("GET " + route)
              .setKind(Span.SpanKind.SPAN_KIND_SERVER)
              .setStartTimeUnixNano(now - 40_000_000L)
              .setEndTimeUnixNano(now - 40_000_000L + (n % 97 + 3) * 1_000_000L)
              .addAttributes(text("http.request.method", "GET"))
              .addAttributes(
                  text(
                      "url.full",
                      "https://api.example.com"
                          + route.replace("{id}", Long.toString(n % 10_000))
                          + "?page="
                          + n % 7))
              .addAttributes(text("http.route", route))
              .addAttributes(number("http.response.status_code", status))
              .addAttributes(text("client.address", "203.0.113." + n % 250))
              .addAttributes(text("user_agent.original", "shop-app/4.2 (iOS 17.4)"))
              .addAttributes(text("http.request.header.accept", "application/json"))
              .addAttributes(text("http.response.header.content-type", "application/json")));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(text("service.name", "shop-api")))
                .addScopeSpans(scope))
        .build();
  }

  private static final String[] ROUTES = {
    "/v1/orders/{id}", "/v1/orders", "/v1/items/{id}", "/v1/cart", "/v1/users/{id}/profile"
  };

  private static ByteString id(int length, long n) {
    ByteBuffer bytes = ByteBuffer.allocate(length);
    bytes.putLong(length - 8, n + 1);
    return ByteString.copyFrom(bytes.array());
  }

  private static KeyValue text(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static KeyValue number(String key, long value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }
}
