package io.tapline.server.alert;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.tapline.proto.v1.AlertEventKind;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertEventStore;
import io.tapline.server.storage.AlertRuleStore;
import io.tapline.server.storage.DriftBaselineStore;
import io.tapline.server.storage.DriftStore;
import io.tapline.server.storage.IngestListener;
import io.tapline.server.storage.ServiceStore;
import io.tapline.server.storage.WindowStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The alert engine of one replica: the rule cache, per-call and windowed evaluation, the event hub
 * that feeds subscribers, and webhook delivery. Started with the server, closed when it stops.
 */
public final class AlertEngine implements AutoCloseable {

  /** How often per-call cooldowns that ended are flushed: {@value} ms. */
  static final long COOLDOWN_TICK_MILLIS = 100;

  private final TaplineConfig.Alerts config;
  private final OutboundGuard guard;
  private final String origin;
  private final Rules rules;
  private final AlertRuleStore ruleStore;
  private final AlertEventStore events;
  private final EventHub hub;
  private final PerCallEvaluator perCall;
  private final WindowedEvaluator windowed;
  private final WebhookNotifier webhooks;
  private final List<Meter> meters = new ArrayList<>();
  private final MeterRegistry registry;
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("tapline-alert-tick").daemon().factory());

  private AlertEngine(
      TaplineConfig.Alerts config,
      AlertRuleStore ruleStore,
      AlertEventStore events,
      WindowStore windows,
      DriftMeasure drift,
      OutboundGuard guard,
      MeterRegistry registry) {
    this.config = config;
    this.guard = guard;
    this.registry = registry;
    this.origin =
        config.replicaId().isBlank() ? "replica-" + UUID.randomUUID() : config.replicaId();
    this.events = events;
    this.ruleStore = ruleStore;
    this.rules = new Rules(ruleStore, config.ruleCacheTtl());
    this.webhooks =
        new WebhookNotifier(
            rules,
            events,
            config.webhookMaxAttempts(),
            config.webhookInitialBackoff(),
            config.webhookTimeout(),
            guard);
    this.hub =
        new EventHub(
            events,
            origin,
            config.maxSubscriptionsPerKey(),
            event -> {
              countStored(event);
              webhooks.deliver(event);
            });
    this.perCall =
        new PerCallEvaluator(rules, events, hub, origin, config.perCallQueue(), Clock.systemUTC());
    this.windowed =
        new WindowedEvaluator(
            rules,
            windows,
            drift,
            events,
            hub,
            origin,
            config.evaluationInterval(),
            Clock.systemUTC());
    registerMeters();
  }

  /**
   * Starts evaluating and following events, reporting its gauges and counters to {@code meters}.
   */
  public static AlertEngine start(
      TaplineConfig.Alerts config,
      AlertRuleStore ruleStore,
      AlertEventStore events,
      WindowStore windows,
      DriftStore drift,
      DriftBaselineStore baselines,
      ServiceStore services,
      OutboundGuard guard,
      MeterRegistry meters) {
    AlertEngine engine =
        new AlertEngine(
            config,
            ruleStore,
            events,
            windows,
            new DriftMeasure(drift, baselines, services),
            guard,
            meters);
    engine.hub.start(config.eventPollInterval());
    engine.windowed.start();
    engine.ticker.scheduleWithFixedDelay(
        engine.perCall::tick, COOLDOWN_TICK_MILLIS, COOLDOWN_TICK_MILLIS, TimeUnit.MILLISECONDS);
    return engine;
  }

  /**
   * Gauges, tagged with this replica's name: {@code tapline.alerts.subscribers}, {@code
   * tapline.alerts.buffered.events} (bounded by subscribers × alerts.subscriber-buffer) and {@code
   * tapline.alerts.per-call.queued} (committed batches waiting for per-call rules).
   */
  private void registerMeters() {
    Tags tags = Tags.of("replica", origin);
    meters.add(
        Gauge.builder("tapline.alerts.subscribers", hub, EventHub::subscribers)
            .tags(tags)
            .register(registry));
    meters.add(
        Gauge.builder("tapline.alerts.buffered.events", hub, EventHub::bufferedEvents)
            .tags(tags)
            .register(registry));
    meters.add(
        Gauge.builder("tapline.alerts.per-call.queued", perCall, PerCallEvaluator::queued)
            .tags(tags)
            .register(registry));
  }

  /** Counts the events this replica stored, by kind, as {@code tapline.alerts.events}. */
  private void countStored(AlertEventRecord event) {
    registry
        .counter("tapline.alerts.events", "kind", AlertEventKind.forNumber(event.kind()).name())
        .increment();
  }

  /** Hand this to the ingest service: per-call rules see every committed batch. */
  public IngestListener ingestListener() {
    return perCall;
  }

  /** The gRPC service. */
  public AlertServiceImpl service() {
    return new AlertServiceImpl(rules, ruleStore, events, hub, config, guard);
  }

  @Override
  public void close() {
    meters.forEach(registry::remove);
    ticker.shutdownNow();
    windowed.close();
    perCall.close();
    hub.close();
    webhooks.close();
  }
}
