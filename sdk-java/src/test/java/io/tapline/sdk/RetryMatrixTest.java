package io.tapline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Over every gRPC status, a batch that failed is sent again (with the same batch id) exactly when
 * the status is retryable. A loopback ingest server answers each batch's first attempt with the
 * chosen status, either in the batch's ack or by ending the stream, and stores it the second time.
 */
class RetryMatrixTest {

  /** Retryable however they arrive. */
  private static final Set<Status.Code> RETRYABLE =
      Set.of(
          Status.Code.UNAVAILABLE,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.ABORTED,
          Status.Code.CANCELLED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.DATA_LOSS);

  enum Mode {
    /** The stream stays open; the ack carries the error (how Tapline reports a failed batch). */
    ACK_ERROR,
    /** The server ends the stream with the status. */
    STREAM_ERROR,
    /** Ends the stream with the status and a RetryInfo detail. */
    STREAM_ERROR_WITH_RETRY_INFO
  }

  private static Server server;
  private static ManagedChannel channel;
  private static volatile Status.Code failWith;
  private static volatile Mode mode;
  private static final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private static final List<String> batchIds = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startServer() throws Exception {
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(new FailingOnce())
            .build()
            .start();
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
            .build();
  }

  @AfterAll
  static void stopServer() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static Stream<Arguments> matrix() {
    return Stream.of(Mode.values())
        .flatMap(
            m ->
                Stream.of(Status.Code.values())
                    .filter(c -> c != Status.Code.OK)
                    .map(c -> Arguments.of(m, c)));
  }

  static boolean expectRetry(Mode mode, Status.Code code) {
    if (code == Status.Code.RESOURCE_EXHAUSTED) {
      return mode != Mode.STREAM_ERROR; // only when the server says it may be retried
    }
    return RETRYABLE.contains(code);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("matrix")
  void retriesExactlyTheRetryableStatuses(Mode m, Status.Code code) {
    mode = m;
    failWith = code;
    attempts.clear();
    batchIds.clear();
    TaplineClient client =
        TaplineClient.builder()
            .channel(channel)
            .serviceName("matrix")
            .linger(Duration.ofMillis(10))
            .retryPolicy(new RetryPolicy(0, Duration.ofMillis(5), Duration.ofMillis(20), 2))
            .build();
    try {
      client.record(CapturedCall.start().method("GET").url("http://a.example/x").finish(200));
      assertThat(client.flush(Duration.ofSeconds(20))).isTrue();
      TaplineCounters counters = client.counters();
      assertThat(batchIds).hasSize(1); // one batch id, whatever the number of attempts
      if (expectRetry(m, code)) {
        assertThat(attempts.get(batchIds.getFirst())).isEqualTo(2);
        assertThat(counters.retried()).isEqualTo(1);
        assertThat(counters.acknowledged()).isEqualTo(1);
        assertThat(counters.rejected()).isZero();
      } else {
        assertThat(attempts.get(batchIds.getFirst())).isEqualTo(1);
        assertThat(counters.retried()).isZero();
        assertThat(counters.acknowledged()).isZero();
        assertThat(counters.rejected()).isEqualTo(1);
      }
      assertThat(counters.sent()).isEqualTo(1);
      assertThat(counters.dropped()).isZero();
    } finally {
      assertThat(client.close(Duration.ofSeconds(5))).isTrue();
    }
    assertThat(channel.isShutdown()).as("the client leaves a channel it was given open").isFalse();
  }

  /** Fails the first attempt of each batch with the chosen status; acks the second. */
  private static final class FailingOnce extends IngestServiceGrpc.IngestServiceImplBase {
    @Override
    public StreamObserver<IngestRequest> ingestStream(StreamObserver<IngestResponse> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(IngestRequest request) {
          String id = request.getBatchId();
          if (!batchIds.contains(id)) {
            batchIds.add(id);
          }
          int attempt = attempts.merge(id, 1, Integer::sum);
          if (attempt > 1) {
            responses.onNext(
                IngestResponse.newBuilder()
                    .setBatchId(id)
                    .setAccepted(request.getCallsCount())
                    .build());
            return;
          }
          com.google.rpc.Status.Builder error =
              com.google.rpc.Status.newBuilder()
                  .setCode(failWith.value())
                  .setMessage("chosen failure");
          switch (mode) {
            case ACK_ERROR ->
                responses.onNext(
                    IngestResponse.newBuilder().setBatchId(id).setError(error).build());
            case STREAM_ERROR ->
                responses.onError(StatusProto.toStatusRuntimeException(error.build()));
            case STREAM_ERROR_WITH_RETRY_INFO ->
                responses.onError(
                    StatusProto.toStatusRuntimeException(
                        error
                            .addDetails(
                                Any.pack(
                                    RetryInfo.newBuilder()
                                        .setRetryDelay(
                                            com.google.protobuf.Duration.newBuilder()
                                                .setNanos(10_000_000))
                                        .build()))
                            .build()));
          }
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
}
