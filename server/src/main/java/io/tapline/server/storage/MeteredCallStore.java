package io.tapline.server.storage;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Set;

/**
 * Measures the queries of another {@link CallStore}: {@code tapline.clickhouse.query{query=...}}.
 */
public final class MeteredCallStore implements CallStore {

  private final CallStore delegate;
  private final Timer search;
  private final Timer get;
  private final Timer metrics;
  private final Timer breakdown;
  private final Timer timeSeries;

  public MeteredCallStore(CallStore delegate, MeterRegistry meters) {
    this.delegate = delegate;
    this.search = timer(meters, "search");
    this.get = timer(meters, "get");
    this.metrics = timer(meters, "metrics");
    this.breakdown = timer(meters, "breakdown");
    this.timeSeries = timer(meters, "timeseries");
  }

  private static Timer timer(MeterRegistry meters, String query) {
    return Timer.builder("tapline.clickhouse.query")
        .tag("query", query)
        .publishPercentileHistogram()
        .register(meters);
  }

  @Override
  public CallPage search(CallQuery query) {
    return search.record(() -> delegate.search(query));
  }

  @Override
  public List<CallRecord> withId(String id, String service) {
    return get.record(() -> delegate.withId(id, service));
  }

  @Override
  public MetricsResult metrics(MetricsQuery query) {
    return metrics.record(() -> delegate.metrics(query));
  }

  @Override
  public BreakdownResult breakdown(BreakdownQuery query) {
    return breakdown.record(() -> delegate.breakdown(query));
  }

  @Override
  public TimeSeriesResult timeSeries(TimeSeriesQuery query) {
    return timeSeries.record(() -> delegate.timeSeries(query));
  }

  @Override
  public long deleteCalls(Set<String> services) {
    return delegate.deleteCalls(services);
  }
}
