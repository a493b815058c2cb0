package io.tapline.sdk;

import io.grpc.Status;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The batcher, after OpenTelemetry's {@code BatchLogRecordProcessor}: a bounded queue filled by
 * request threads without waiting, and one daemon worker that sends a batch when it holds {@code
 * batchSize} calls or {@code linger} has passed. A full queue drops the call and counts it.
 *
 * <p>The worker sends one batch at a time and waits for its ack, so acks arrive in order and a
 * retried batch keeps its place. It alone touches the stream and the batch being sent.
 */
final class BatchSender {

  private static final Logger logger = Logger.getLogger(BatchSender.class.getName());

  private final ArrayBlockingQueue<CapturedCall> queue;
  private final int batchSize;
  private final long lingerNanos;
  private final Duration deadline;
  private final RetryPolicy retry;
  private final Function<CapturedCall, ApiCall> converter;
  private final IngestStream stream;
  private final Runnable onUnavailable;
  private final Thread worker;

  /** Wakes the worker early: a batch is full, or a flush was asked for. */
  private final ArrayBlockingQueue<Boolean> signal = new ArrayBlockingQueue<>(1);

  private final AtomicReference<CompletableFuture<Void>> flushRequest = new AtomicReference<>();
  private volatile boolean closed;
  private volatile boolean stopped;

  final LongAdder recorded = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final LongAdder sampledOut = new LongAdder();
  final AtomicLong sent = new AtomicLong();
  final AtomicLong acknowledged = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong retried = new AtomicLong();

  BatchSender(
      int queueCapacity,
      int batchSize,
      Duration linger,
      Duration deadline,
      RetryPolicy retry,
      Function<CapturedCall, ApiCall> converter,
      IngestStream stream,
      Runnable onUnavailable) {
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.batchSize = batchSize;
    this.lingerNanos = linger.toNanos();
    this.deadline = deadline;
    this.retry = retry;
    this.converter = converter;
    this.stream = stream;
    this.onUnavailable = onUnavailable;
    this.worker = Thread.ofPlatform().name("tapline-sender").daemon().unstarted(this::run);
    worker.start();
  }

  /** Queues a call without waiting; false (and counted as dropped) when the queue is full. */
  boolean offer(CapturedCall call) {
    if (closed || !queue.offer(call)) {
      dropped.increment();
      return false;
    }
    recorded.increment();
    if (queue.size() >= batchSize) {
      signal.offer(Boolean.TRUE);
    }
    return true;
  }

  /** Sends everything queued so far; true when it was all answered within {@code timeout}. */
  boolean flush(Duration timeout) {
    if (stopped) {
      return queue.isEmpty();
    }
    CompletableFuture<Void> request = new CompletableFuture<>();
    if (!flushRequest.compareAndSet(null, request)) {
      request = flushRequest.get();
      if (request == null) {
        return flush(timeout);
      }
    }
    signal.offer(Boolean.TRUE);
    try {
      request.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Stops taking calls, sends what is queued within {@code timeout}, then stops the worker; what
   * could not be sent by then is counted as dropped. True when everything was answered.
   */
  boolean shutdown(Duration timeout) {
    if (closed && stopped) {
      return true;
    }
    closed = true;
    long start = System.nanoTime();
    boolean flushed = flush(timeout);
    stopped = true;
    worker.interrupt();
    try {
      long left = Math.max(1, timeout.toNanos() - (System.nanoTime() - start));
      worker.join(Duration.ofNanos(Math.max(left, TimeUnit.MILLISECONDS.toNanos(100))));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int left = queue.size();
    queue.clear();
    if (left > 0) {
      dropped.add(left);
    }
    return flushed && left == 0;
  }

  int queued() {
    return queue.size();
  }

  private void run() {
    List<CapturedCall> batch = new ArrayList<>(batchSize);
    long nextExport = System.nanoTime() + lingerNanos;
    while (!stopped) {
      try {
        CompletableFuture<Void> flush = flushRequest.get();
        if (flush != null) {
          int toSend = queue.size();
          while ((toSend > 0 || !batch.isEmpty()) && !stopped) {
            toSend -= queue.drainTo(batch, Math.min(batchSize - batch.size(), toSend));
            export(batch);
          }
          flushRequest.compareAndSet(flush, null);
          if (stopped) {
            break;
          }
          flush.complete(null);
          nextExport = System.nanoTime() + lingerNanos;
          continue;
        }
        queue.drainTo(batch, batchSize - batch.size());
        long now = System.nanoTime();
        if (batch.size() >= batchSize || (!batch.isEmpty() && now - nextExport >= 0)) {
          export(batch);
          nextExport = System.nanoTime() + lingerNanos;
          continue;
        }
        if (batch.isEmpty() && now - nextExport >= 0) {
          nextExport = now + lingerNanos;
        }
        signal.poll(nextExport - now, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        if (stopped) {
          break;
        }
      } catch (Throwable e) {
        // Never let the worker die, whatever one batch or record did: the host would silently
        // stop shipping calls.
        logger.log(Level.WARNING, "Tapline sender failed; continuing", e);
        dropped.add(batch.size());
        batch.clear();
      }
    }
    dropped.add(batch.size());
    stream.close();
    CompletableFuture<Void> pending = flushRequest.getAndSet(null);
    if (pending != null) {
      pending.completeExceptionally(new IllegalStateException("closed"));
    }
  }

  /** Sends one batch until it is answered or given up on; empties {@code batch}. */
  private void export(List<CapturedCall> batch) throws InterruptedException {
    if (batch.isEmpty()) {
      return;
    }
    IngestRequest.Builder request =
        IngestRequest.newBuilder().setBatchId(UUID.randomUUID().toString());
    for (CapturedCall call : batch) {
      try {
        ApiCall converted = converter.apply(call);
        request.addCalls(converted);
      } catch (Throwable e) { // an Error too: one record never costs the batch or the thread
        dropped.increment();
        logger.log(Level.WARNING, "Tapline could not convert a captured call; dropped it", e);
      }
    }
    batch.clear();
    int size = request.getCallsCount();
    if (size == 0) {
      return;
    }
    try {
      send(request.build(), size);
    } catch (InterruptedException e) {
      dropped.add(size); // stopped while the batch was in flight
      throw e;
    } catch (RuntimeException e) {
      dropped.add(size);
      logger.log(Level.WARNING, "Tapline could not send a batch", e);
    }
  }

  private void send(IngestRequest request, int size) throws InterruptedException {
    sent.addAndGet(size);
    for (int attempt = 1; ; attempt++) {
      IngestStream.Outcome outcome = stream.send(request, deadline);
      if (outcome.failure() == null) {
        acknowledged.addAndGet(outcome.ack().getAccepted());
        rejected.addAndGet(outcome.ack().getRejected());
        if (outcome.ack().getRejected() > 0) {
          logger.log(
              Level.FINE,
              "Tapline rejected {0} calls of a batch; first reason: {1} {2}",
              new Object[] {
                outcome.ack().getRejected(),
                outcome.ack().getRejections(0).getField(),
                outcome.ack().getRejections(0).getReason()
              });
        }
        return;
      }
      Status failure = outcome.failure();
      boolean retryable = RetryPolicy.isRetryable(failure.getCode(), outcome.serverSaysRetry());
      if (!retryable) {
        rejected.addAndGet(size);
        logger.log(
            Level.WARNING,
            "Tapline refused a batch of {0} calls: {1} {2}",
            new Object[] {size, failure.getCode(), failure.getDescription()});
        return;
      }
      if (!retry.mayRetry(attempt) || stopped) {
        dropped.add(size);
        logger.log(
            Level.WARNING,
            "Tapline gave up on a batch of {0} calls after {1} attempts: {2} {3}",
            new Object[] {size, attempt, failure.getCode(), failure.getDescription()});
        return;
      }
      long pause = retry.backoffNanos(attempt, outcome.retryDelayNanos());
      logger.log(
          Level.FINE,
          "Tapline batch failed ({0}); retrying in {1} ms",
          new Object[] {failure.getCode(), TimeUnit.NANOSECONDS.toMillis(pause)});
      TimeUnit.NANOSECONDS.sleep(pause);
      if (failure.getCode() == Status.Code.UNAVAILABLE) {
        onUnavailable.run();
      }
      retried.addAndGet(size);
    }
  }
}
