package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What every {@link PlanStore} must do: the {@link MetadataStoreContract}, for usage plans. */
public abstract class PlanStoreContract extends MetadataStoreContract<PlanRecord> {

  @Override
  protected abstract PlanStore store();

  @Override
  protected PlanRecord value(String id, int variant) {
    return new PlanRecord(
        id,
        "Plan " + variant,
        "description " + variant,
        100 * (variant + 1),
        CREATED.plusSeconds(variant));
  }

  @Override
  protected String keyOf(PlanRecord plan) {
    return plan.id();
  }

  @Test
  void theDefaultAndLargeRateLimitsReadBackUnchanged() {
    String byDefault = unique("plan-default");
    String large = unique("plan-large");
    PlanRecord defaultLimit = new PlanRecord(byDefault, "free", "", 0, CREATED);
    PlanRecord largeLimit = new PlanRecord(large, "unlimited", "big", 2_000_000_000, CREATED);
    store().put(defaultLimit);
    store().put(largeLimit);

    assertThat(store().get(byDefault)).contains(defaultLimit);
    assertThat(store().get(large)).contains(largeLimit);
  }
}
