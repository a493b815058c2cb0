package io.tapline.server.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * A client that streams batches over IngestStream the way a careful SDK would: up to {@code window}
 * batches in flight, and every batch that was not acknowledged as stored (an ack with a retryable
 * error, or no ack because the stream broke) sent again with the same batch id, after the delay the
 * server asked for, until it is. Used by tests and benchmarks; one thread per client.
 *
 * @param <B> what a batch is on this side: an {@link IngestRequest}, or a benchmark's batch already
 *     encoded, sent through a method descriptor with its own marshaller
 */
public final class RetryingIngestClient<B> {

  /** The largest pause between retries, whatever the server suggests. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  private sealed interface Event {}

  private record Ack(IngestResponse response) implements Event {}

  private record Broken(Throwable error) implements Event {}

  private record Ended() implements Event {}

  private record Sent<B>(B request, long sentAtNanos) {}

  /** What happened: acknowledged batches and records, retries, streams opened, failures. */
  public record Result(
      long batches,
      long records,
      long retriedBatches,
      int streams,
      List<String> permanentFailures) {}

  private final Channel channel;
  private final int window;
  private final MethodDescriptor<B, IngestResponse> method;
  private final Function<B, String> batchIdOf;

  public RetryingIngestClient(
      Channel channel,
      int window,
      MethodDescriptor<B, IngestResponse> method,
      Function<B, String> batchIdOf) {
    this.channel = channel;
    this.window = window;
    this.method = method;
    this.batchIdOf = batchIdOf;
  }

  /** A client of IngestStream sending {@link IngestRequest}s. */
  public static RetryingIngestClient<IngestRequest> of(Channel channel, int window) {
    return new RetryingIngestClient<>(
        channel, window, IngestServiceGrpc.getIngestStreamMethod(), IngestRequest::getBatchId);
  }

  /**
   * Sends every batch until each was acknowledged without error.
   *
   * @param onAck called with the acknowledgement latency in nanoseconds of each stored batch
   * @param deadline gives up (throws) after this long
   */
  public Result sendAll(Iterator<B> batches, LongConsumer onAck, Duration deadline)
      throws InterruptedException {
    long giveUpAt = System.nanoTime() + deadline.toNanos();
    Deque<B> retries = new ArrayDeque<>();
    Deque<Sent<B>> outstanding = new ArrayDeque<>();
    List<String> permanent = new ArrayList<>();
    long acked = 0;
    long records = 0;
    long retried = 0;
    int streams = 0;
    long notBefore = 0;
    LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    StreamObserver<B> stream = null;
    while (true) {
      if (System.nanoTime() - giveUpAt > 0) {
        throw new IllegalStateException(
            "gave up: "
                + acked
                + " batches acknowledged, "
                + outstanding.size()
                + " in flight, "
                + retries.size()
                + " to retry");
      }
      if (stream == null) {
        LinkedBlockingQueue<Event> mine = new LinkedBlockingQueue<>();
        events = mine;
        stream =
            ClientCalls.asyncBidiStreamingCall(
                channel.newCall(method, CallOptions.DEFAULT), observer(mine));
        streams++;
      }
      boolean mayRetry = System.nanoTime() - notBefore >= 0;
      while (outstanding.size() < window) {
        B next;
        if (!retries.isEmpty() && mayRetry) {
          next = retries.poll();
          retried++;
        } else if (batches.hasNext()) {
          next = batches.next();
        } else {
          break;
        }
        outstanding.add(new Sent<>(next, System.nanoTime()));
        stream.onNext(next);
      }
      if (outstanding.isEmpty()) {
        if (retries.isEmpty() && !batches.hasNext()) {
          stream.onCompleted();
          return new Result(acked, records, retried, streams, permanent);
        }
        Thread.sleep(Math.max(1, (notBefore - System.nanoTime()) / 1_000_000)); // backoff
        continue;
      }
      Event event = events.poll(1, TimeUnit.SECONDS);
      switch (event) {
        case null -> {}
        case Ack(IngestResponse response) -> {
          Sent<B> sent = outstanding.poll();
          String sentId = sent == null ? null : batchIdOf.apply(sent.request());
          if (sentId == null || (!sentId.isEmpty() && !sentId.equals(response.getBatchId()))) {
            throw new IllegalStateException("ack out of order: " + response.getBatchId());
          }
          if (!response.hasError()) {
            acked++;
            records += response.getAccepted();
            onAck.accept(System.nanoTime() - sent.sentAtNanos());
          } else if (retryable(response.getError().getCode())) {
            retries.add(sent.request());
            notBefore = System.nanoTime() + backoff(response.getError()).toNanos();
          } else {
            permanent.add(response.getBatchId() + ": " + response.getError().getMessage());
          }
        }
        case Broken(Throwable error) -> {
          // Nothing in flight is known to be stored: send it all again, in order, on a new stream.
          List<B> again = new ArrayList<>();
          outstanding.forEach(s -> again.add(s.request()));
          outstanding.clear();
          for (int i = again.size() - 1; i >= 0; i--) {
            retries.addFirst(again.get(i));
          }
          stream = null;
          notBefore = System.nanoTime() + Duration.ofMillis(200).toNanos();
          Thread.sleep(200); // backoff before reconnecting
        }
        case Ended() -> {
          if (!outstanding.isEmpty()) {
            throw new IllegalStateException("stream ended with batches unacknowledged");
          }
          stream = null;
        }
      }
    }
  }

  private static boolean retryable(int code) {
    return code == Status.Code.UNAVAILABLE.value()
        || code == Status.Code.RESOURCE_EXHAUSTED.value()
        || code == Status.Code.DEADLINE_EXCEEDED.value();
  }

  private static Duration backoff(com.google.rpc.Status error) {
    for (var detail : error.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          var delay = detail.unpack(RetryInfo.class).getRetryDelay();
          Duration d = Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
          return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
        } catch (InvalidProtocolBufferException e) {
          break;
        }
      }
    }
    return Duration.ofMillis(500);
  }

  private static StreamObserver<IngestResponse> observer(LinkedBlockingQueue<Event> events) {
    return new StreamObserver<>() {
      @Override
      public void onNext(IngestResponse response) {
        events.add(new Ack(response));
      }

      @Override
      public void onError(Throwable t) {
        events.add(new Broken(t));
      }

      @Override
      public void onCompleted() {
        events.add(new Ended());
      }
    };
  }
}
