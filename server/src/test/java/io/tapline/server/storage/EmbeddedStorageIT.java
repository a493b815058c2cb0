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
import io.tapline.server.testing.SharedClickHouse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * Every storage contract on the embedded engine, in one database of the shared engine. The stores
 * are wired as the server wires them (see {@code Stores}): Tapline's own stores on {@link
 * ClickHouseStorage#dataSource()}, searches on {@link ClickHouseStorage#queryPool()}. {@link
 * ContainerStorageIT} runs the same contracts on a ClickHouse server where Docker exists.
 */
class EmbeddedStorageIT {

  private static ClickHouseStorage storage;
  private static CallSink sink;

  @BeforeAll
  static void open() {
    storage = SharedClickHouse.openStorage(EmbeddedStorageIT.class, 2);
    sink = TestSinks.on(storage);
  }

  @AfterAll
  static void close() {
    sink.close();
    storage.close();
  }

  @Nested
  class Calls extends CallStorageContract {
    @Override
    protected CallSink sink() {
      return sink;
    }

    @Override
    protected CallStore store() {
      return new ClickHouseCallStore(storage.queryPool());
    }
  }

  @Nested
  class Services extends ServiceStoreContract {
    @Override
    protected ServiceStore store() {
      return new ClickHouseServiceStore(storage.dataSource());
    }
  }

  @Nested
  class Customers extends CustomerStoreContract {
    @Override
    protected CustomerStore store() {
      return new ClickHouseCustomerStore(storage.dataSource());
    }
  }

  @Nested
  class Plans extends PlanStoreContract {
    @Override
    protected PlanStore store() {
      return new ClickHousePlanStore(storage.dataSource());
    }
  }

  @Nested
  class ApiKeys extends ApiKeyStoreContract {
    @Override
    protected ApiKeyStore store() {
      return new ClickHouseApiKeyStore(storage.dataSource());
    }
  }

  @Nested
  class AlertRules extends AlertRuleStoreContract {
    @Override
    protected AlertRuleStore store() {
      return new ClickHouseAlertRuleStore(storage.dataSource());
    }
  }

  @Nested
  class AlertEvents extends AlertEventStoreContract {
    @Override
    protected AlertEventStore store() {
      return new ClickHouseAlertEventStore(storage.dataSource());
    }
  }

  @Nested
  class Replays extends ReplayStoreContract {
    @Override
    protected ReplayStore store() {
      return new ClickHouseReplayStore(storage.dataSource());
    }
  }

  @Nested
  class Windows extends WindowStoreContract {
    @Override
    protected CallSink sink() {
      return sink;
    }

    @Override
    protected WindowStore windows() {
      return new SelectWindowAggregates(storage.dataSource());
    }
  }
}
