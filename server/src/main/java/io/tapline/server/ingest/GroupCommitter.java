package io.tapline.server.ingest;

import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallWriter;
import io.tapline.server.storage.RetryLaterException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: client batches from every connection wait in one bounded queue, and a single
 * worker writes them as large INSERTs (up to {@code ingest.commit-max-records} rows, gathered for
 * at most {@code ingest.commit-interval}). The future of a batch completes only once the INSERT
 * holding it committed, and fails when it did not.
 *
 * <ul>
 *   <li>Queue full (more than {@code ingest.queue-records} records, or {@code
 *       ingest.queue-bytes} bytes of encoded rows, waiting): the batch fails at once with {@link
 *       RetryLaterException.Reason#OVERLOADED}.
 *   <li>Store down: the INSERT fails with {@link RetryLaterException}; its batches, the
 *       ones still queued and new ones for {@code ingest.retry-after} fail with {@link
 *       RetryLaterException.Reason#UNAVAILABLE}. Nothing is retried here: the client owns the
 *       retry, so nothing unacknowledged is ever reported as stored.
 *   <li>A batch sent again while its first copy is still queued or being written (same key: the
 *       sending API key and the batch id) shares the first copy's outcome rather than racing it.
 *       Copies sent after the commit are found in the table by the writer.
 * </ul>
 *
 * <p>Workers ({@code ingest.commit-workers}, default 1) take groups from the queue; with more than
 * one, a group is encoded and sent while the engine still writes the previous one. Rows per second come
 * from large INSERTs, not from many parallel ones. Two copies of one batch never race each other
 * into two INSERTs: the second copy waits on the first (see above).
 */
final class GroupCommitter implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(GroupCommitter.class);

  private record Pending(
      String key, CallWriter.Batch batch, long bytes, CompletableFuture<List<CallRecord>> done) {
    int size() {
      return batch.calls().size();
    }
  }

  private final CallWriter writer;
  private final int queueRecords;
  private final long queueBytes;
  private final int commitMaxRecords;
  private final long commitIntervalNanos;
  private final Duration retryAfter;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedRecords = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Map<String, CompletableFuture<List<CallRecord>>> inFlight = new ConcurrentHashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private volatile long downUntilNanos;
  private volatile boolean closing;

  GroupCommitter(
      CallWriter writer,
      int queueRecords,
      long queueBytes,
      int commitMaxRecords,
      Duration commitInterval,
      Duration retryAfter,
      int workerCount) {
    this.writer = writer;
    this.queueRecords = queueRecords;
    this.queueBytes = queueBytes;
    this.commitMaxRecords = commitMaxRecords;
    this.commitIntervalNanos = commitInterval.toNanos();
    this.retryAfter = retryAfter;
    for (int i = 0; i < workerCount; i++) {
      workers.add(Thread.ofPlatform().name("tapline-group-commit-" + i).daemon().start(this::run));
    }
  }

  /**
   * Queues a batch for the next commit.
   *
   * @param key identifies the batch for coalescing retries still in flight; null when it cannot
   *     be a retry
   * @return completes when the batch is committed, with the calls that this submission stored
   *     (none for a copy of a batch stored before or still being written); fails with {@link
   *     RetryLaterException} or the writer's exception
   */
  CompletableFuture<List<CallRecord>> submit(String key, CallWriter.Batch batch) {
    if (batch.calls().isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    if (closing) {
      return CompletableFuture.failedFuture(unavailable("the server is shutting down", null));
    }
    if (System.nanoTime() - downUntilNanos < 0) {
      return CompletableFuture.failedFuture(unavailable("the store is unavailable", null));
    }
    CompletableFuture<List<CallRecord>> done = new CompletableFuture<>();
    if (key != null) {
      CompletableFuture<List<CallRecord>> first = inFlight.putIfAbsent(key, done);
      if (first != null) {
        // The same batch is being written already: share its outcome; its calls are the first
        // copy's to report.
        return first.thenApply(stored -> List.of());
      }
    }
    long bytes = writer.bytes(batch);
    long after = queuedRecords.addAndGet(batch.calls().size());
    long afterBytes = queuedBytes.addAndGet(bytes);
    // A batch alone in the queue always fits: it is within the message size limit already.
    boolean alone = after == batch.calls().size();
    if (!alone && (after > queueRecords || afterBytes > queueBytes)) {
      queuedRecords.addAndGet(-batch.calls().size());
      queuedBytes.addAndGet(-bytes);
      if (key != null) {
        inFlight.remove(key, done);
      }
      return CompletableFuture.failedFuture(
          new RetryLaterException(
              RetryLaterException.Reason.OVERLOADED,
              "the ingest queue is full (" + queueRecords + " records or " + queueBytes + " bytes)",
              retryAfter,
              null));
    }
    queue.add(new Pending(key, batch, bytes, done));
    return done;
  }

  /** Records waiting to be written, for metrics and tests. */
  long queuedRecords() {
    return queuedRecords.get();
  }

  /** How often a worker waiting for more batches checks whether the server is stopping. */
  private static final long CLOSE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private void run() {
    List<Pending> group = new ArrayList<>();
    while (!closing || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        int rows = first.size();
        long deadline = System.nanoTime() + commitIntervalNanos;
        while (rows < commitMaxRecords) {
          Pending next = queue.poll();
          if (next == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || closing) {
              break;
            }
            // In short slices, so that a stop does not wait out the commit interval.
            next = queue.poll(Math.min(left, CLOSE_CHECK_NANOS), TimeUnit.NANOSECONDS);
            if (next == null) {
              continue;
            }
          }
          group.add(next);
          rows += next.size();
        }
        commit(group, rows);
      } catch (InterruptedException e) {
        if (!closing) {
          logger.warn("Group commit worker interrupted; stopping");
        }
        break;
      } catch (Throwable t) {
        logger.error("Group commit worker failed; its batches are refused", t);
        fail(group, t);
      } finally {
        group.clear();
      }
    }
    failQueued(unavailable("the server is shutting down", null));
  }

  private void commit(List<Pending> group, int rows) {
    List<CallWriter.Batch> batches = new ArrayList<>(group.size());
    for (Pending pending : group) {
      batches.add(pending.batch());
    }
    List<CallWriter.Batch> written;
    try {
      written = writer.write(batches);
    } catch (RetryLaterException e) {
      downUntilNanos = System.nanoTime() + retryAfter.toNanos();
      logger.warn("Store unavailable; refusing ingest for {} ms: {}", retryAfter.toMillis(), e.getMessage());
      RetryLaterException failure = unavailable("the store is unavailable", e);
      fail(group, failure);
      failQueued(failure);
      return;
    } catch (RuntimeException e) {
      logger.error("Insert of {} batches ({} records) failed", group.size(), rows, e);
      fail(group, e);
      return;
    }
    release(group);
    for (int i = 0; i < group.size(); i++) {
      group.get(i).done().complete(written.get(i).calls());
    }
  }

  private void fail(List<Pending> group, Throwable failure) {
    release(group);
    for (Pending pending : group) {
      pending.done().completeExceptionally(failure);
    }
  }

  private void failQueued(Throwable failure) {
    List<Pending> drained = new ArrayList<>();
    queue.drainTo(drained);
    fail(drained, failure);
  }

  private void release(List<Pending> group) {
    long rows = 0;
    long bytes = 0;
    for (Pending pending : group) {
      rows += pending.size();
      bytes += pending.bytes();
      if (pending.key() != null) {
        inFlight.remove(pending.key(), pending.done());
      }
    }
    queuedRecords.addAndGet(-rows);
    queuedBytes.addAndGet(-bytes);
  }

  private RetryLaterException unavailable(String why, Throwable cause) {
    return new RetryLaterException(RetryLaterException.Reason.UNAVAILABLE, why, retryAfter, cause);
  }

  /** Writes what is queued (bounded by the writer's timeout), then stops the worker. */
  @Override
  public void close() {
    closing = true;
    for (Thread worker : workers) {
      try {
        worker.join(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (worker.isAlive()) {
        worker.interrupt();
      }
    }
  }
}
