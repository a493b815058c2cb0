package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AlertRuleRecordTest {

  @Test
  void printsNeitherWebhookUrlsNorSecrets() {
    AlertRuleRecord rule =
        new AlertRuleRecord(
            "r1",
            "checkout",
            "{\"webhooks\":[{\"url\":\"https://hooks.test/T0/B0/xyz\",\"secret\":\"hunter2\"}]}",
            Instant.EPOCH,
            Instant.EPOCH);
    assertThat(rule.toString()).contains("r1", "checkout").doesNotContain("hunter2", "xyz");
  }
}
