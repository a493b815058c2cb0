package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What every {@link CustomerStore} must do: the {@link MetadataStoreContract}, for customers. */
public abstract class CustomerStoreContract extends MetadataStoreContract<CustomerRecord> {

  @Override
  protected abstract CustomerStore store();

  @Override
  protected CustomerRecord value(String id, int variant) {
    return new CustomerRecord(
        id, "Customer " + variant, "plan-" + variant, CREATED.plusSeconds(variant));
  }

  @Override
  protected String keyOf(CustomerRecord customer) {
    return customer.id();
  }

  @Test
  void aCustomerWithoutAPlanKeepsAnEmptyPlan() {
    String id = unique("cust-no-plan");
    CustomerRecord customer = new CustomerRecord(id, "Ünïcödé & Co. 😀", "", CREATED);
    store().put(customer);

    assertThat(store().get(id)).contains(customer);
    assertThat(store().get(id).orElseThrow().plan()).isEmpty();
  }
}
