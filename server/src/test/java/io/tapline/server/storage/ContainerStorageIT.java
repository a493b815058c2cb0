package io.tapline.server.storage;

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
 * Every storage contract on a ClickHouse server in a container (the image docker-compose.yml uses),
 * wired as {@link StorageContracts} wires them. Skipped, saying so, where no Docker engine runs;
 * {@link EmbeddedStorageIT} runs the same contracts on the embedded engine everywhere.
 */
@ExtendWith(ContainerStorageIT.RequiresDocker.class)
public class ContainerStorageIT extends StorageContracts {

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

  @Override
  ClickHouseStorage backend() {
    return storage;
  }

  @Override
  CallSink backendSink() {
    return sink;
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
