package io.tapline.server.storage;

import io.tapline.server.storage.clickhouse.ClickHouseAlertEventStore;
import io.tapline.server.storage.clickhouse.ClickHouseAlertRuleStore;
import io.tapline.server.storage.clickhouse.ClickHouseApiKeyStore;
import io.tapline.server.storage.clickhouse.ClickHouseCallStore;
import io.tapline.server.storage.clickhouse.ClickHouseCustomerStore;
import io.tapline.server.storage.clickhouse.ClickHousePlanStore;
import io.tapline.server.storage.clickhouse.ClickHouseReplayStore;
import io.tapline.server.storage.clickhouse.ClickHouseServiceStore;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.storage.clickhouse.SelectWindowAggregates;
import org.junit.jupiter.api.Nested;

/**
 * Every storage contract, as nested test classes, over one backend's storage. The stores are wired
 * as the server wires them (see {@code Stores}): Tapline's own stores on {@link
 * ClickHouseStorage#dataSource()}, searches on {@link ClickHouseStorage#queryPool()}, calls stored
 * through the ingest sink. {@link EmbeddedStorageIT} runs them on the embedded engine, {@link
 * ContainerStorageIT} on a ClickHouse server where Docker exists.
 */
abstract class StorageContracts {

  /** The backend's storage, opened once for the test class. */
  abstract ClickHouseStorage backend();

  /** The ingest sink on {@link #backend()}. */
  abstract CallSink backendSink();

  @Nested
  class Calls extends CallStorageContract {
    @Override
    protected CallSink sink() {
      return backendSink();
    }

    @Override
    protected CallStore store() {
      return new ClickHouseCallStore(backend().queryPool());
    }
  }

  @Nested
  class Services extends ServiceStoreContract {
    @Override
    protected ServiceStore store() {
      return new ClickHouseServiceStore(backend().dataSource());
    }
  }

  @Nested
  class Customers extends CustomerStoreContract {
    @Override
    protected CustomerStore store() {
      return new ClickHouseCustomerStore(backend().dataSource());
    }
  }

  @Nested
  class Plans extends PlanStoreContract {
    @Override
    protected PlanStore store() {
      return new ClickHousePlanStore(backend().dataSource());
    }
  }

  @Nested
  class ApiKeys extends ApiKeyStoreContract {
    @Override
    protected ApiKeyStore store() {
      return new ClickHouseApiKeyStore(backend().dataSource());
    }
  }

  @Nested
  class AlertRules extends AlertRuleStoreContract {
    @Override
    protected AlertRuleStore store() {
      return new ClickHouseAlertRuleStore(backend().dataSource());
    }
  }

  @Nested
  class AlertEvents extends AlertEventStoreContract {
    @Override
    protected AlertEventStore store() {
      return new ClickHouseAlertEventStore(
          backend().dataSource(), backend().cluster().replicated());
    }
  }

  @Nested
  class Replays extends ReplayStoreContract {
    @Override
    protected ReplayStore store() {
      return new ClickHouseReplayStore(backend().dataSource());
    }
  }

  @Nested
  class Windows extends WindowStoreContract {
    @Override
    protected CallSink sink() {
      return backendSink();
    }

    @Override
    protected WindowStore windows() {
      return new SelectWindowAggregates(backend().dataSource());
    }
  }
}
