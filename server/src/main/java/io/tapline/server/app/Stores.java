package io.tapline.server.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.tapline.server.storage.AlertEventStore;
import io.tapline.server.storage.AlertRuleStore;
import io.tapline.server.storage.ApiKeyStore;
import io.tapline.server.storage.CallExport;
import io.tapline.server.storage.CallStore;
import io.tapline.server.storage.CustomerStore;
import io.tapline.server.storage.DatasetStore;
import io.tapline.server.storage.DriftBaselineStore;
import io.tapline.server.storage.DriftStore;
import io.tapline.server.storage.LabelStore;
import io.tapline.server.storage.MeteredCallStore;
import io.tapline.server.storage.PlanStore;
import io.tapline.server.storage.ReplayStore;
import io.tapline.server.storage.ServiceStore;
import io.tapline.server.storage.WindowStore;
import io.tapline.server.storage.clickhouse.ClickHouseAlertEventStore;
import io.tapline.server.storage.clickhouse.ClickHouseAlertRuleStore;
import io.tapline.server.storage.clickhouse.ClickHouseApiKeyStore;
import io.tapline.server.storage.clickhouse.ClickHouseCallExport;
import io.tapline.server.storage.clickhouse.ClickHouseCallStore;
import io.tapline.server.storage.clickhouse.ClickHouseCustomerStore;
import io.tapline.server.storage.clickhouse.ClickHouseDatasetStore;
import io.tapline.server.storage.clickhouse.ClickHouseDriftBaselineStore;
import io.tapline.server.storage.clickhouse.ClickHouseDriftStore;
import io.tapline.server.storage.clickhouse.ClickHouseLabelStore;
import io.tapline.server.storage.clickhouse.ClickHousePlanStore;
import io.tapline.server.storage.clickhouse.ClickHouseReplayStore;
import io.tapline.server.storage.clickhouse.ClickHouseServiceStore;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.storage.clickhouse.SelectWindowAggregates;

/**
 * Every store of a running server, each constructed once. Metadata and alert stores use the
 * storage's pool for Tapline's own lookups; searches and analytics use the pool of client queries.
 */
record Stores(
    ServiceStore services,
    CustomerStore customers,
    PlanStore plans,
    ApiKeyStore apiKeys,
    AlertRuleStore alertRules,
    AlertEventStore alertEvents,
    WindowStore windows,
    ReplayStore replays,
    CallStore calls,
    CallExport export,
    DriftStore drift,
    DriftBaselineStore driftBaselines,
    LabelStore labels,
    DatasetStore datasets) {

  static Stores on(ClickHouseStorage storage, MeterRegistry meters) {
    return new Stores(
        new ClickHouseServiceStore(storage.dataSource()),
        new ClickHouseCustomerStore(storage.dataSource()),
        new ClickHousePlanStore(storage.dataSource()),
        new ClickHouseApiKeyStore(storage.dataSource()),
        new ClickHouseAlertRuleStore(storage.dataSource()),
        new ClickHouseAlertEventStore(storage.dataSource(), storage.cluster().replicated()),
        new SelectWindowAggregates(storage.dataSource()),
        new ClickHouseReplayStore(storage.dataSource()),
        new MeteredCallStore(
            new ClickHouseCallStore(storage.queryPool(), storage.nodePools()), meters),
        new ClickHouseCallExport(storage.exportPool(), storage.database()),
        new ClickHouseDriftStore(storage.queryPool()),
        new ClickHouseDriftBaselineStore(storage.dataSource()),
        new ClickHouseLabelStore(storage.dataSource(), storage.queryPool()),
        new ClickHouseDatasetStore(storage.dataSource()));
  }
}
