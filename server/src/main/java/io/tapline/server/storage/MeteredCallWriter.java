package io.tapline.server.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;

/**
 * Measures the writes of another {@link CallWriter}: {@code tapline.ingest.records} (calls stored,
 * the ingest rate; a retry's calls stored before are not counted again), {@code
 * tapline.ingest.batch.records} (calls per client batch), {@code tapline.clickhouse.insert} (time
 * per INSERT, with its outcome) and {@code tapline.clickhouse.insert.records} (calls per INSERT).
 */
public final class MeteredCallWriter implements CallWriter {

  private final CallWriter delegate;
  private final Counter records;
  private final DistributionSummary batchRecords;
  private final DistributionSummary insertRecords;
  private final Timer inserted;
  private final Timer failed;

  public MeteredCallWriter(CallWriter delegate, MeterRegistry meters) {
    this.delegate = delegate;
    this.records = meters.counter("tapline.ingest.records");
    this.batchRecords =
        DistributionSummary.builder("tapline.ingest.batch.records").publishPercentileHistogram().register(meters);
    this.insertRecords = DistributionSummary.builder("tapline.clickhouse.insert.records").register(meters);
    this.inserted =
        Timer.builder("tapline.clickhouse.insert").tag("outcome", "committed").publishPercentileHistogram()
            .register(meters);
    // Both outcomes publish histograms: Prometheus needs one type per metric name.
    this.failed =
        Timer.builder("tapline.clickhouse.insert").tag("outcome", "failed").publishPercentileHistogram()
            .register(meters);
  }

  @Override
  public Batch prepare(Batch batch) {
    return delegate.prepare(batch);
  }

  @Override
  public List<Batch> write(List<Batch> batches) {
    long start = System.nanoTime();
    List<Batch> written;
    try {
      written = delegate.write(batches);
    } catch (RuntimeException e) {
      failed.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      throw e;
    }
    inserted.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    for (Batch batch : batches) {
      batchRecords.record(batch.calls().size());
    }
    int total = 0;
    for (Batch batch : written) {
      total += batch.calls().size();
    }
    insertRecords.record(total);
    records.increment(total);
    return written;
  }
}
