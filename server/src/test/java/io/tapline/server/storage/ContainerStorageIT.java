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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.clickhouse.ClickHouseContainer;

/**
 * Every storage contract on a ClickHouse server in a container (the image docker-compose.yml uses),
 * wired as {@link EmbeddedStorageIT} wires them. Skipped, saying so, where no Docker engine runs;
 * {@link EmbeddedStorageIT} runs the same contracts on the embedded engine everywhere.
 */
@ExtendWith(ContainerStorageIT.RequiresDocker.class)
public class ContainerStorageIT {

  public static final String IMAGE = "clickhouse/clickhouse-server:25.8";

  private static ClickHouseContainer container;
  private static ClickHouseStorage storage;
  private static CallSink sink;

  @BeforeAll
  static void start() {
    container = new ClickHouseContainer(IMAGE);
    container.start();
    storage =
        ClickHouseStorage.open(
            "jdbc:clickhouse://" + container.getHost() + ":" + container.getMappedPort(8123),
            container.getUsername(),
            container.getPassword(),
            "tapline",
            2);
    sink = TestSinks.on(storage);
  }

  @AfterAll
  static void stop() {
    if (sink != null) {
      sink.close();
    }
    if (storage != null) {
      storage.close();
    }
    if (container != null) {
      container.stop();
    }
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

  /** Runs the class (and so its nested contracts) only where a Docker engine answers. */
  public static final class RequiresDocker implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      boolean docker;
      try {
        docker = DockerClientFactory.instance().isDockerAvailable();
      } catch (RuntimeException e) {
        docker = false;
      }
      return docker
          ? ConditionEvaluationResult.enabled("Docker is available")
          : ConditionEvaluationResult.disabled(
              "No Docker engine here: skipping the ClickHouse container tests;"
                  + " EmbeddedStorageIT runs the same contracts on the embedded engine");
    }
  }
}
