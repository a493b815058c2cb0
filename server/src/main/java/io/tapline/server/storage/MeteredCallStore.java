package io.tapline.server.storage;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Optional;
import java.util.function.Supplier;

/** Measures the queries of another {@link CallStore}: {@code tapline.clickhouse.query{query=...}}. */
public final class MeteredCallStore implements CallStore {

  private final CallStore delegate;
  private final MeterRegistry meters;

  public MeteredCallStore(CallStore delegate, MeterRegistry meters) {
    this.delegate = delegate;
    this.meters = meters;
  }

  private <T> T timed(String query, Supplier<T> run) {
    return Timer.builder("tapline.clickhouse.query")
        .tag("query", query)
        .publishPercentileHistogram()
        .register(meters)
        .record(run);
  }

  @Override
  public CallPage search(CallQuery query) {
    return timed("search", () -> delegate.search(query));
  }

  @Override
  public Optional<CallRecord> get(String id) {
    return timed("get", () -> delegate.get(id));
  }

  @Override
  public MetricsResult metrics(MetricsQuery query) {
    return timed("metrics", () -> delegate.metrics(query));
  }

  @Override
  public BreakdownResult breakdown(BreakdownQuery query) {
    return timed("breakdown", () -> delegate.breakdown(query));
  }

  @Override
  public TimeSeriesResult timeSeries(TimeSeriesQuery query) {
    return timed("timeseries", () -> delegate.timeSeries(query));
  }
}
