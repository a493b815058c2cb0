package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.storage.CallMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistogramTest {

  /** The latency bucket {@code b} stands for. */
  static double latency(int b) {
    return Aggregates.latencyOfBucket(b);
  }

  @Test
  void quantilesAreTheSmallestBucketsReachingTheirShareOfTheWeight() {
    Histogram h = new Histogram();
    // Weights 1000, 2000, 3000, 4000 (total 10000) over four buckets, added out of order and
    // one bucket in two rows; sums added apart, as a breakdown reads them from a rollup.
    h.addWeight(700, 3000);
    h.addWeight(500, 1000);
    h.addWeight(900, 2000);
    h.addWeight(600, 2000);
    h.addWeight(900, 2000);
    h.addSums(3, 0, 3, 3000, 1100, 1100);
    h.addSums(1, 0, 1, 150, 150, 150);
    h.addSums(4, 2, 4, 32000, 8000, 8000);
    h.addSums(2, 0, 2, 800, 400, 400);
    CallMetrics m = h.metrics(List.of(0.0, 0.1, 0.1001, 0.2, 0.5, 0.6, 0.61, 1.0));
    assertThat(m.quantileMicros())
        .containsExactly(
            latency(500),
            latency(500),
            latency(600),
            latency(600),
            latency(700),
            latency(700),
            latency(900),
            latency(900));
    assertThat(m.count()).isEqualTo(10);
    assertThat(m.errors()).isEqualTo(2);
    assertThat(m.recorded()).isEqualTo(10);
    assertThat(m.avgLatencyMicros()).isEqualTo(3595);
    assertThat(m.minLatencyMicros()).isEqualTo(150);
    assertThat(m.maxLatencyMicros()).isEqualTo(8000);
  }

  @Test
  void anEmptyHistogramHasEmptyMetrics() {
    assertThat(new Histogram().metrics(List.of(0.5, 0.99))).isEqualTo(CallMetrics.empty(2));
  }
}
