package io.tapline.sdk;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The sender thread's end of {@code IngestService.IngestStream}: one batch in flight at a time, its
 * ack awaited with a deadline. The stream is opened on first use, reopened after it failed, and
 * renewed once it is older than {@link #MAX_STREAM_AGE}, so a server's per-request timeout never
 * cuts a batch in two. Used by one thread only.
 */
final class IngestStream implements AutoCloseable {

  /** Streams are renewed after this long, below servers' usual request timeouts. */
  static final Duration MAX_STREAM_AGE = Duration.ofSeconds(30);

  /** The outcome of one attempt: an ack, or the failure of the whole batch. */
  record Outcome(
      IngestResponse ack, Status failure, boolean serverSaysRetry, long retryDelayNanos) {
    static Outcome acked(IngestResponse ack) {
      return new Outcome(ack, null, false, 0);
    }
  }

  private final IngestServiceGrpc.IngestServiceStub stub;
  private Open open;

  IngestStream(IngestServiceGrpc.IngestServiceStub stub) {
    this.stub = stub;
  }

  /** Sends one batch and waits for its ack, at most {@code deadline}. */
  Outcome send(IngestRequest batch, Duration deadline) throws InterruptedException {
    long now = System.nanoTime();
    if (open != null && (open.terminal != null || now - open.openedAt > MAX_STREAM_AGE.toNanos())) {
      open.finish();
      open = null;
    }
    if (open == null) {
      open = new Open(now);
      stub.ingestStream(open);
    }
    Open current = open;
    try {
      current.requests.onNext(batch);
    } catch (RuntimeException e) {
      // The call may already be closed; its failure arrives as an event.
      current.events.offer(Status.UNAVAILABLE.withCause(e).withDescription("stream closed"));
    }
    Object event = current.events.poll(deadline.toNanos(), TimeUnit.NANOSECONDS);
    if (event == null) {
      current.cancel("no ack within the deadline");
      open = null;
      return new Outcome(
          null, Status.DEADLINE_EXCEEDED.withDescription("no ack within " + deadline), false, 0);
    }
    if (event instanceof IngestResponse ack) {
      if (!ack.getBatchId().equals(batch.getBatchId())) {
        current.cancel("ack for another batch");
        open = null;
        return new Outcome(
            null,
            Status.INTERNAL.withDescription(
                "ack for batch " + ack.getBatchId() + " while awaiting " + batch.getBatchId()),
            false,
            0);
      }
      if (ack.hasError()) {
        com.google.rpc.Status error = ack.getError();
        // The server documents failed-batch acks with RESOURCE_EXHAUSTED as retryable.
        return new Outcome(
            ack,
            Status.fromCodeValue(error.getCode()).withDescription(error.getMessage()),
            true,
            retryDelayNanos(error));
      }
      return Outcome.acked(ack);
    }
    Status status = (Status) event;
    open = null;
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, current.trailers);
    long delay = details == null ? -1 : retryDelayNanos(details);
    return new Outcome(null, status, delay >= 0, Math.max(0, delay));
  }

  /** The delay a RetryInfo detail asks for, or -1 when there is none. */
  private static long retryDelayNanos(com.google.rpc.Status status) {
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = detail.unpack(RetryInfo.class).getRetryDelay();
          return TimeUnit.SECONDS.toNanos(d.getSeconds()) + d.getNanos();
        } catch (InvalidProtocolBufferException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  @Override
  public void close() {
    if (open != null) {
      open.finish();
      open = null;
    }
  }

  /** One open stream: the request side, and the events its responses and end produce. */
  private static final class Open implements ClientResponseObserver<IngestRequest, IngestResponse> {
    final long openedAt;
    final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ClientCallStreamObserver<IngestRequest> requests;
    volatile Status terminal;
    volatile io.grpc.Metadata trailers;

    Open(long openedAt) {
      this.openedAt = openedAt;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<IngestRequest> requestStream) {
      this.requests = requestStream;
    }

    @Override
    public void onNext(IngestResponse value) {
      events.offer(value);
    }

    @Override
    public void onError(Throwable t) {
      Status status = Status.fromThrowable(t);
      trailers = Status.trailersFromThrowable(t);
      terminal = status;
      events.offer(status);
    }

    @Override
    public void onCompleted() {
      Status status = Status.UNAVAILABLE.withDescription("the server closed the ingest stream");
      terminal = status;
      events.offer(status);
    }

    void cancel(String why) {
      try {
        requests.cancel(why, null);
      } catch (RuntimeException ignored) {
        // already closed
      }
    }

    void finish() {
      if (terminal == null) {
        try {
          requests.onCompleted();
        } catch (RuntimeException e) {
          cancel("closing");
        }
      }
    }
  }
}
