package io.tapline.server.storage;

import io.tapline.server.storage.clickhouse.ClickHouseCallStore;
import io.tapline.server.storage.clickhouse.ClickHouseCallWriter;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.clickhouse.ClickHouseContainer;

/**
 * The storage contract on a ClickHouse server in a container (the image docker-compose.yml
 * uses). Skipped, saying so, where no Docker engine runs; {@link EmbeddedCallStorageIT} runs the
 * same tests on the embedded engine everywhere.
 */
@ExtendWith(ContainerCallStorageIT.RequiresDocker.class)
public class ContainerCallStorageIT extends CallStorageContract {

  public static final String IMAGE = "clickhouse/clickhouse-server:25.8";

  private static ClickHouseContainer container;
  private static ClickHouseStorage storage;

  @BeforeAll
  static void start() {
    container = new ClickHouseContainer(IMAGE);
    container.start();
    storage =
        ClickHouseStorage.open(
            "jdbc:clickhouse://" + container.getHost() + ":" + container.getMappedPort(8123),
            container.getUsername(), container.getPassword(), "tapline", 2);
  }

  @AfterAll
  static void stop() {
    if (storage != null) {
      storage.close();
    }
    if (container != null) {
      container.stop();
    }
  }

  @Override
  protected CallWriter writer() {
    return new ClickHouseCallWriter(storage.dataSource(), storage.database());
  }

  @Override
  protected CallStore store() {
    return new ClickHouseCallStore(storage.dataSource());
  }

  /** Runs the class only where a Docker engine answers. */
  static final class RequiresDocker implements ExecutionCondition {
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
                  + " EmbeddedCallStorageIT runs the same contract on the embedded engine");
    }
  }
}
