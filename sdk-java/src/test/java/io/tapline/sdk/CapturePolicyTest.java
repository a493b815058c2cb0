package io.tapline.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapturePolicyTest {

  private final CapturePolicy policy =
      new CapturePolicy(List.of("/health", "/internal/*"), 0.25, Duration.ofMillis(500));

  @Test
  void excludesExactPathsAndPrefixes() {
    assertThat(policy.excludes("/health")).isTrue();
    assertThat(policy.excludes("/healthz")).isFalse();
    assertThat(policy.excludes("/internal/metrics")).isTrue();
    assertThat(policy.excludes("/users")).isFalse();
  }

  @Test
  void keepsErrorsAndSlowCallsAtRateOneAndSamplesTheRestAtTheRate() {
    assertThat(policy.keepRate(CapturedCall.start().finish(500))).isEqualTo(1.0);
    assertThat(policy.keepRate(CapturedCall.start().error("boom").finish(200))).isEqualTo(1.0);
    assertThat(
            policy.keepRate(
                CapturedCall.start().latencyNanos(Duration.ofSeconds(1).toNanos()).finish(200)))
        .isEqualTo(1.0);
    int kept = 0;
    for (int i = 0; i < 4000; i++) {
      double rate = policy.keepRate(CapturedCall.start().latencyNanos(1000).finish(200));
      assertThat(rate).isIn(0.0, 0.25);
      if (rate > 0) {
        kept++;
      }
    }
    assertThat(kept).isBetween(800, 1200); // 1000 expected; far outside means the rate is wrong
  }

  @Test
  void environmentConfiguresTheBuilderAndNamesABadVariable() {
    TaplineClientBuilder b =
        TaplineEnvironment.builder(
            Map.of(
                "TAPLINE_ENDPOINT", "https://tapline.example:9443",
                "TAPLINE_SERVICE_NAME", "checkout",
                "TAPLINE_BATCH_SIZE", "100",
                "TAPLINE_LINGER", "250ms",
                "TAPLINE_DEADLINE", "3s",
                "TAPLINE_SAMPLE_RATE", "0.5",
                "TAPLINE_EXCLUDE_PATHS", "/health, /internal/*"));
    assertThat(b.endpoint).isEqualTo("https://tapline.example:9443");
    assertThat(b.serviceName).isEqualTo("checkout");
    assertThat(b.batchSize).isEqualTo(100);
    assertThat(b.linger).isEqualTo(Duration.ofMillis(250));
    assertThat(b.deadline).isEqualTo(Duration.ofSeconds(3));
    assertThat(b.sampleRate).isEqualTo(0.5);
    assertThat(b.excludedPaths).containsExactly("/health", "/internal/*");
    assertThat(b.queueCapacity).isEqualTo(TaplineClientBuilder.DEFAULT_QUEUE_CAPACITY);
    assertThatThrownBy(() -> TaplineEnvironment.builder(Map.of("TAPLINE_QUEUE_CAPACITY", "many")))
        .hasMessageContaining("TAPLINE_QUEUE_CAPACITY");
  }

  @Test
  void recordNeverThrowsAndEveryCallEndsCounted() {
    TaplineClient client =
        TaplineClient.builder()
            .endpoint("http://127.0.0.1:1")
            .queueCapacity(1)
            .batchSize(100)
            .linger(Duration.ofMinutes(1))
            .build();
    int refused = 0;
    for (int i = 0; i < 10; i++) {
      if (!client.record(CapturedCall.start().finish(200))) {
        refused++;
      }
    }
    assertThat(client.record(null)).isFalse();
    assertThat(refused).isPositive(); // at most one in the queue, one held by the sender
    assertThat(client.counters().dropped()).isEqualTo(refused + 1);
    assertThat(client.counters().recorded()).isEqualTo(10 - refused);
    // Nothing can be delivered: closing gives up in time and counts the rest as dropped.
    assertThat(client.close(Duration.ofMillis(300))).isFalse();
    assertThat(client.counters().dropped()).isEqualTo(11);
    assertThat(client.record(CapturedCall.start().finish(200))).isFalse();
  }
}
