package io.tapline.bench;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.sdk.CapturedCall;
import io.tapline.sdk.TaplineClient;
import io.tapline.sdk.TaplineCounters;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * What capturing one call costs the request thread: the work a capture integration does once the
 * response is known (a {@link CapturedCall} with method, URL, route, six headers, a small body and
 * the status) and {@link TaplineClient#record}, which samples and queues it. Time per call and,
 * with the GC profiler, bytes allocated per call ({@code gc.alloc.rate.norm}).
 *
 * <p>The client ships to a loopback ingest server that acks every batch, so the sender thread runs
 * as in production; when the benchmark records faster than one sender can ship, the queue is full
 * and calls are dropped (counted): the counters are printed at the end of each fork.
 *
 * <p>Run: {@code ./bench/run CaptureOverheadBenchmark}. Short runs (1 fork, 2 warm-up and 3
 * measured iterations) for a shared machine: treat figures as provisional.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CaptureOverheadBenchmark {

  private static final byte[] BODY = "{\"id\":42,\"name\":\"Ada\"}".getBytes();

  private Server server;
  private TaplineClient client;

  @Setup(Level.Trial)
  public void start() throws Exception {
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(new AckingIngest())
            .build()
            .start();
    client =
        TaplineClient.builder()
            .endpoint("http://127.0.0.1:" + server.getPort())
            .serviceName("bench")
            .linger(Duration.ofMillis(100))
            .build();
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    client.close(Duration.ofSeconds(5));
    TaplineCounters c = client.counters();
    System.out.printf(
        "%ncounters: recorded=%d sent=%d acknowledged=%d dropped=%d%n",
        c.recorded(), c.sent(), c.acknowledged(), c.dropped());
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Capture and record one finished call, as the servlet filter does after the chain. */
  @Benchmark
  public boolean captureAndRecord() {
    CapturedCall call =
        CapturedCall.start()
            .method("POST")
            .url("https://api.example.com/v1/orders/42?expand=items")
            .route("/v1/orders/{id}")
            .sourceIp("203.0.113.7")
            .addRequestHeader("host", "api.example.com")
            .addRequestHeader("accept", "application/json")
            .addRequestHeader("content-type", "application/json")
            .addRequestHeader("authorization", "Bearer abc")
            .addResponseHeader("content-type", "application/json")
            .addResponseHeader("content-length", "22")
            .requestBody(BODY, BODY.length, BODY.length)
            .responseBody(BODY, BODY.length, BODY.length)
            .finish(200);
    return client.record(call);
  }

  /** The same capture with the call handed to no one: the cost of building it alone. */
  @Benchmark
  public CapturedCall captureOnly() {
    return CapturedCall.start()
        .method("POST")
        .url("https://api.example.com/v1/orders/42?expand=items")
        .route("/v1/orders/{id}")
        .sourceIp("203.0.113.7")
        .addRequestHeader("host", "api.example.com")
        .addRequestHeader("accept", "application/json")
        .addRequestHeader("content-type", "application/json")
        .addRequestHeader("authorization", "Bearer abc")
        .addResponseHeader("content-type", "application/json")
        .addResponseHeader("content-length", "22")
        .requestBody(BODY, BODY.length, BODY.length)
        .responseBody(BODY, BODY.length, BODY.length)
        .finish(200);
  }

  /** Acks every batch at once, as a healthy server would. */
  static final class AckingIngest extends IngestServiceGrpc.IngestServiceImplBase {
    @Override
    public StreamObserver<IngestRequest> ingestStream(StreamObserver<IngestResponse> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(IngestRequest request) {
          responses.onNext(
              IngestResponse.newBuilder()
                  .setBatchId(request.getBatchId())
                  .setAccepted(request.getCallsCount())
                  .build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }

  public static void main(String[] args) throws Exception {
    new Runner(
            new OptionsBuilder()
                .include(CaptureOverheadBenchmark.class.getName() + ".*")
                .forks(1)
                .threads(1)
                .warmupIterations(2)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(3)
                .measurementTime(TimeValue.seconds(2))
                .jvmArgsAppend("-Xmx512m")
                .addProfiler(GCProfiler.class)
                .build())
        .run();
  }
}
