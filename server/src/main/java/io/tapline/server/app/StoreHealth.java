package io.tapline.server.app;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.healthcheck.SettableHealthChecker;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import java.util.List;
import java.util.Map;

/**
 * The store's health as the readiness check and the gRPC health service report it: ready while the
 * node Tapline reads through answers. In a cluster, the nodes that do not answer are listed as
 * degraded: their shards' batches are refused UNAVAILABLE (and, with no replica of a shard left,
 * reads fail) while the rest goes on.
 */
final class StoreHealth {

  private final ClickHouseStorage storage;
  private final SettableHealthChecker checker = new SettableHealthChecker(true);
  private volatile List<String> degraded = List.of();

  StoreHealth(ClickHouseStorage storage) {
    this.storage = storage;
  }

  /** Checks the store again; run every few seconds. */
  void check() {
    checker.setHealthy(storage.isHealthy());
    degraded = storage.unreachableNodes();
  }

  SettableHealthChecker checker() {
    return checker;
  }

  /**
   * Readiness over HTTP: 200 or 503, with {@code {"healthy": ..., "degraded": [...]}} naming the
   * nodes of the cluster that do not answer.
   */
  HttpService readiness() {
    return (ctx, req) ->
        HttpResponse.ofJson(
            checker.isHealthy() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
            Map.of("healthy", checker.isHealthy(), "degraded", degraded));
  }
}
