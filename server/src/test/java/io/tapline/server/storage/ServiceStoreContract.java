package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What every {@link ServiceStore} must do: the {@link MetadataStoreContract}, for services. */
public abstract class ServiceStoreContract extends MetadataStoreContract<ServiceRecord> {

  @Override
  protected abstract ServiceStore store();

  @Override
  protected ServiceRecord value(String name, int variant) {
    return new ServiceRecord(
        name,
        "service, variant " + variant,
        "https://svc" + variant + ".test/api",
        List.of("https://other" + variant + ".test/", "10.0.0." + (variant + 1)),
        7 + variant,
        List.of("x-token-" + variant, "x-secret"),
        new ServiceRecord.Otlp(variant % 2 == 1, "tenant.id." + variant, "plan." + variant),
        List.of(),
        CREATED.plusSeconds(variant));
  }

  @Override
  protected String keyOf(ServiceRecord service) {
    return service.name();
  }

  @Test
  void emptyListsAndTheDefaultRetentionReadBackUnchangedAndListsKeepTheirOrder() {
    String bare = unique("svc-bare");
    ServiceRecord empty =
        new ServiceRecord(
            bare, "", "", List.of(), 0, List.of(), ServiceRecord.Otlp.NONE, List.of(), CREATED);
    String ordered = unique("svc-ordered");
    ServiceRecord unsorted =
        new ServiceRecord(
            ordered,
            "d",
            "https://z.test",
            List.of("https://z.test/", "https://a.test/", "::1"),
            365,
            List.of("x-z", "x-a"),
            ServiceRecord.Otlp.NONE,
            List.of(),
            CREATED);
    store().put(empty);
    store().put(unsorted);

    assertThat(store().get(bare)).contains(empty);
    assertThat(store().get(ordered)).contains(unsorted);
    assertThat(store().get(ordered).orElseThrow().replayAllowList())
        .containsExactly("https://z.test/", "https://a.test/", "::1");
  }
}
