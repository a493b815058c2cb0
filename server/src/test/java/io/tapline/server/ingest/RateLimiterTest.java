package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private final AtomicLong now = new AtomicLong();
  private final RateLimiter limiter =
      new RateLimiter(1000, plan -> plan.equals("gold") ? 5000 : 0, now::get);

  @Test
  void aKeyOverItsRateWaitsWhileOthersPass() {
    assertThat(limiter.acquire("noisy", "", 1500))
        .isEqualTo(Duration.ZERO); // a full bucket may go into debt
    Duration wait = limiter.acquire("noisy", "", 10);
    assertThat(wait).isGreaterThan(Duration.ofMillis(400)).isLessThan(Duration.ofMillis(600));
    assertThat(limiter.acquire("quiet", "", 10)).isEqualTo(Duration.ZERO);

    now.addAndGet(wait.toNanos());
    assertThat(limiter.acquire("noisy", "", 10)).isEqualTo(Duration.ZERO);
  }

  @Test
  void aPlanSetsItsOwnRate() {
    assertThat(limiter.acquire("k", "gold", 4000)).isEqualTo(Duration.ZERO);
    assertThat(limiter.acquire("k", "gold", 900)).isEqualTo(Duration.ZERO);
    assertThat(limiter.acquire("k", "gold", 200)).isEqualTo(Duration.ZERO); // 100 left before it
    assertThat(limiter.acquire("k", "gold", 1)).isPositive();
  }
}
