package io.tapline.server.storage.clickhouse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallSink;
import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.storage.clickhouse.ClickHouseCallWriter.EncodedRows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest sink on ClickHouse. Group commit: client batches from every connection wait in one
 * bounded queue, and a worker writes them as large INSERTs (up to {@code ingest.commit-max-records}
 * rows, gathered for at most {@code ingest.commit-interval}). The future of a batch completes only
 * once the INSERT holding it committed, and fails when it did not.
 *
 * <ul>
 *   <li>A batch is encoded call by call as it is filled ({@link #open}), on the caller's thread;
 *       the commit only copies bytes.
 *   <li>Queue full (more than {@code ingest.queue-records} records, or {@code ingest.queue-bytes}
 *       bytes of encoded rows, waiting): the batch fails at once with {@link
 *       RetryLaterException.Reason#OVERLOADED}.
 *   <li>Store down: the INSERT fails with {@link RetryLaterException}; its batches, the ones still
 *       queued and new ones for {@code ingest.retry-after} fail with {@link
 *       RetryLaterException.Reason#UNAVAILABLE}. Nothing is retried here: the client owns the
 *       retry, so nothing unacknowledged is ever reported as stored.
 *   <li>Retries, first layer: a batch sent again while its first copy is still queued or being
 *       written (same sender and batch id) shares the first copy's outcome rather than racing it.
 *       Second layer: copies sent after the commit are found in the table by the writer.
 * </ul>
 *
 * <p>Workers ({@code ingest.commit-workers}, default 1) take groups from the queue; with more than
 * one, a group is sent while the engine still writes the previous one. Rows per second come from
 * large INSERTs, not from many parallel ones.
 *
 * <p>Meters: {@code tapline.ingest.records} (calls stored; a retry's calls stored before are not
 * counted again), {@code tapline.ingest.batch.records} (calls per client batch), {@code
 * tapline.clickhouse.insert} (time per INSERT, with its outcome), {@code
 * tapline.clickhouse.insert.records} (calls per INSERT) and {@code tapline.ingest.queue.records}.
 */
public final class GroupCommitter implements CallSink {

  private static final Logger logger = LoggerFactory.getLogger(GroupCommitter.class);

  /**
   * How the queue and its commits are sized; see {@code tapline.properties} for each.
   *
   * @param queueRecords records that may wait for their commit
   * @param queueBytes bytes of encoded rows that may wait for their commit
   * @param commitMaxRecords rows of one INSERT at most
   * @param commitInterval how long a commit gathers batches at most
   * @param retryAfter how long clients are told to wait when the queue is full or the store down
   * @param workers how many groups may be committed at once
   */
  public record Settings(
      int queueRecords,
      long queueBytes,
      int commitMaxRecords,
      Duration commitInterval,
      Duration retryAfter,
      int workers) {}

  /** What the committer needs of a writer: the ClickHouse writer, or a test's gate around it. */
  interface RowWriter {
    List<CallBatch> insert(List<EncodedRows> batches);
  }

  private record Pending(String key, EncodedRows rows, CompletableFuture<List<CallRecord>> done) {
    int size() {
      return rows.rows();
    }
  }

  private final RowWriter writer;
  private final Settings settings;
  private final String store;
  private final long commitIntervalNanos;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedRecords = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Map<String, CompletableFuture<List<CallRecord>>> inFlight =
      new ConcurrentHashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private final Counter records;
  private final DistributionSummary batchRecords;
  private final DistributionSummary insertRecords;
  private final Timer inserted;
  private final Timer failed;
  private volatile long downUntilNanos;
  private volatile boolean closing;

  public GroupCommitter(ClickHouseCallWriter writer, Settings settings, MeterRegistry meters) {
    this(writer, settings, meters, Tags.empty(), "the store");
  }

  /**
   * @param tags added to every meter: which shard of a cluster the committer writes to
   * @param store what the committer writes to, as clients are told when it is unavailable
   */
  GroupCommitter(
      RowWriter writer, Settings settings, MeterRegistry meters, Tags tags, String store) {
    this.writer = writer;
    this.settings = settings;
    this.store = store;
    this.commitIntervalNanos = settings.commitInterval().toNanos();
    this.records = meters.counter("tapline.ingest.records", tags);
    this.batchRecords =
        DistributionSummary.builder("tapline.ingest.batch.records")
            .tags(tags)
            .publishPercentileHistogram()
            .register(meters);
    this.insertRecords =
        DistributionSummary.builder("tapline.clickhouse.insert.records")
            .tags(tags)
            .register(meters);
    // Both outcomes publish histograms: Prometheus needs one type per metric name.
    this.inserted =
        Timer.builder("tapline.clickhouse.insert")
            .tags(tags)
            .tag("outcome", "committed")
            .publishPercentileHistogram()
            .register(meters);
    this.failed =
        Timer.builder("tapline.clickhouse.insert")
            .tags(tags)
            .tag("outcome", "failed")
            .publishPercentileHistogram()
            .register(meters);
    Gauge.builder("tapline.ingest.queue.records", queuedRecords, AtomicLong::get)
        .tags(tags)
        .description("Calls waiting for their group commit")
        .register(meters);
    for (int i = 0; i < settings.workers(); i++) {
      workers.add(
          Thread.ofPlatform()
              .name(
                  "tapline-group-commit-"
                      + tags.stream().map(tag -> tag.getValue() + "-").collect(Collectors.joining())
                      + i)
              .daemon()
              .start(this::run));
    }
  }

  @Override
  public OpenBatch open(String batchId, boolean mayBeStored) {
    ClickHouseCallWriter.Rows rows = new ClickHouseCallWriter.Rows(batchId, mayBeStored);
    return new OpenBatch() {
      @Override
      public void add(CallRecord call, int retentionDays) {
        rows.add(call, retentionDays);
      }

      @Override
      public CompletableFuture<List<CallRecord>> submit(String sender) {
        return GroupCommitter.this.submit(sender, rows.finish());
      }
    };
  }

  private CompletableFuture<List<CallRecord>> submit(String sender, EncodedRows rows) {
    CallBatch batch = rows.batch();
    if (batch.calls().isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    if (closing) {
      return CompletableFuture.failedFuture(unavailable("the server is shutting down", null));
    }
    if (System.nanoTime() - downUntilNanos < 0) {
      return CompletableFuture.failedFuture(unavailable(store + " is unavailable", null));
    }
    CompletableFuture<List<CallRecord>> done = new CompletableFuture<>();
    String key = batch.mayBeStored() ? sender + "/" + batch.batchId() : null;
    if (key != null) {
      CompletableFuture<List<CallRecord>> first = inFlight.putIfAbsent(key, done);
      if (first != null) {
        // The same batch is being written already: share its outcome; its calls are the first
        // copy's to report.
        return first.thenApply(stored -> List.of());
      }
    }
    long after = queuedRecords.addAndGet(rows.rows());
    long afterBytes = queuedBytes.addAndGet(rows.bytes());
    // A batch alone in the queue always fits: it is within the message size limit already.
    boolean alone = after == rows.rows();
    if (!alone && (after > settings.queueRecords() || afterBytes > settings.queueBytes())) {
      queuedRecords.addAndGet(-rows.rows());
      queuedBytes.addAndGet(-rows.bytes());
      release(key, done);
      return CompletableFuture.failedFuture(
          new RetryLaterException(
              RetryLaterException.Reason.OVERLOADED,
              "the ingest queue is full ("
                  + settings.queueRecords()
                  + " records or "
                  + settings.queueBytes()
                  + " bytes)",
              settings.retryAfter(),
              null));
    }
    queue.add(new Pending(key, rows, done));
    return done;
  }

  private void release(String key, CompletableFuture<List<CallRecord>> done) {
    if (key != null) {
      inFlight.remove(key, done);
    }
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
        while (rows < settings.commitMaxRecords()) {
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
    List<EncodedRows> batches = new ArrayList<>(group.size());
    for (Pending pending : group) {
      batches.add(pending.rows());
    }
    List<CallBatch> written;
    long start = System.nanoTime();
    try {
      written = writer.insert(batches);
    } catch (RetryLaterException e) {
      failed.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      downUntilNanos = System.nanoTime() + settings.retryAfter().toNanos();
      logger.warn(
          "{} is unavailable; refusing its ingest for {} ms: {}",
          store,
          settings.retryAfter().toMillis(),
          e.getMessage());
      RetryLaterException failure = unavailable(store + " is unavailable", e);
      fail(group, failure);
      failQueued(failure);
      return;
    } catch (RuntimeException e) {
      failed.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      logger.error("Insert of {} batches ({} records) failed", group.size(), rows, e);
      fail(group, e);
      return;
    }
    inserted.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    int stored = 0;
    for (int i = 0; i < group.size(); i++) {
      batchRecords.record(group.get(i).size());
      stored += written.get(i).calls().size();
    }
    insertRecords.record(stored);
    records.increment(stored);
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
      bytes += pending.rows().bytes();
      release(pending.key(), pending.done());
    }
    queuedRecords.addAndGet(-rows);
    queuedBytes.addAndGet(-bytes);
  }

  private RetryLaterException unavailable(String why, Throwable cause) {
    return new RetryLaterException(
        RetryLaterException.Reason.UNAVAILABLE, why, settings.retryAfter(), cause);
  }

  /** Writes what is queued (bounded by the writer's timeout), then stops the workers. */
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
