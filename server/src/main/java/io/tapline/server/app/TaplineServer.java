package io.tapline.server.app;

import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerListener;
import com.linecorp.armeria.server.encoding.DecodingService;
import com.linecorp.armeria.server.grpc.GrpcHealthCheckService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import com.linecorp.armeria.server.prometheus.PrometheusExpositionService;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.tapline.masking.Masker;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.DatasetServiceGrpc;
import io.tapline.proto.v1.DriftServiceGrpc;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.LabelServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.ReplayServiceGrpc;
import io.tapline.server.admin.AdminServiceImpl;
import io.tapline.server.admin.IdentityServiceImpl;
import io.tapline.server.alert.AlertEngine;
import io.tapline.server.api.ConcurrencyLimit;
import io.tapline.server.api.GrpcStatusErrorHandler;
import io.tapline.server.api.IngestRequestMarshaller;
import io.tapline.server.api.JsonCodec;
import io.tapline.server.api.QueryCancellation;
import io.tapline.server.api.QueryParameterCheck;
import io.tapline.server.api.Scope;
import io.tapline.server.api.TaplineExceptionHandler;
import io.tapline.server.auth.AuthInterceptor;
import io.tapline.server.auth.Authenticator;
import io.tapline.server.auth.KeyBootstrap;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.ingest.IngestPipeline;
import io.tapline.server.ingest.IngestServiceImpl;
import io.tapline.server.ingest.OtlpHttpService;
import io.tapline.server.ingest.OtlpTraceService;
import io.tapline.server.outbound.HostResolver;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.query.DatasetServiceImpl;
import io.tapline.server.query.DatasetWriter;
import io.tapline.server.query.DriftServiceImpl;
import io.tapline.server.query.ExportHttpService;
import io.tapline.server.query.LabelServiceImpl;
import io.tapline.server.query.QueryServiceImpl;
import io.tapline.server.replay.ReplayServiceImpl;
import io.tapline.server.storage.ApiKeyStore;
import io.tapline.server.storage.CallSink;
import io.tapline.server.storage.clickhouse.CallSinks;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.storage.clickhouse.Cluster;
import io.tapline.server.storage.clickhouse.GroupCommitter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Tapline: the embedded engine (when no ClickHouse URL is configured), the store, and the
 * Armeria server that serves gRPC, gRPC-Web, JSON over HTTP, reflection, health and {@code /docs}
 * on one port.
 */
public final class TaplineServer implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(TaplineServer.class);

  /** At stop, how long the server waits for a quiet moment before closing connections. */
  static final Duration GRACEFUL_QUIET_PERIOD = Duration.ofMillis(500);

  /** At stop, the longest the server waits for requests in flight. */
  static final Duration GRACEFUL_TIMEOUT = Duration.ofSeconds(10);

  /** How often the store's health is checked for the health endpoints: {@value} ms. */
  static final long HEALTH_CHECK_INTERVAL_MILLIS = 2_000;

  private final EmbeddedClickHouse engine;
  private final ClickHouseStorage storage;
  private final Authenticator authenticator;
  private final Server server;
  private final ScheduledExecutorService healthChecks;
  private final PrometheusMeterRegistry meters;
  private final List<Integer> extraPorts;

  /** The demo's traffic when {@code demo.enabled}, else null; set once, right after start. */
  private volatile DemoTraffic demo;

  private TaplineServer(
      EmbeddedClickHouse engine,
      ClickHouseStorage storage,
      Authenticator authenticator,
      Server server,
      ScheduledExecutorService healthChecks,
      PrometheusMeterRegistry meters,
      List<Integer> extraPorts) {
    this.extraPorts = extraPorts;
    this.engine = engine;
    this.storage = storage;
    this.authenticator = authenticator;
    this.server = server;
    this.healthChecks = healthChecks;
    this.meters = meters;
  }

  /** Starts everything the configuration asks for; on failure, stops what was started. */
  public static TaplineServer start(TaplineConfig config) {
    EmbeddedClickHouse engine = null;
    ClickHouseStorage storage = null;
    try {
      String url = config.clickhouse().url();
      String user = config.clickhouse().user();
      String password = config.clickhouse().password();
      if (config.clickhouse().embedded()) {
        engine = EmbeddedClickHouse.start(config.embedded());
        url = engine.jdbcUrl();
        user = engine.user();
        password = engine.password();
      }
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new JvmMemoryMetrics().bindTo(meters);
      new JvmGcMetrics().bindTo(meters);
      new ProcessorMetrics().bindTo(meters);
      storage =
          ClickHouseStorage.open(
              url,
              user,
              password,
              config.clickhouse().database(),
              new ClickHouseStorage.Settings(
                  config.query().maxConcurrent(),
                  config.clickhouse().internalPoolSize(),
                  config.ingest().commitWorkers() + 1,
                  config.query().timeout(),
                  config.query().maxMemoryBytes(),
                  config.query().nice(),
                  config.query().maxThreads(),
                  config.query().exportTimeout()),
              meters,
              config.clickhouse().cluster().isEmpty()
                  ? Cluster.NONE
                  : new Cluster(
                      config.clickhouse().cluster(),
                      config.clickhouse().shards(),
                      config.clickhouse().replicated()));

      Stores stores = Stores.on(storage, meters);
      KeyBootstrap.ensureAdminKey(
          stores.apiKeys(), config.auth().bootstrapAdminKey(), config.embedded().dataDir());
      if (config.demo().delete()) {
        DemoTraffic.deleteDemoData(stores);
      }

      StoreHealth storeHealth = new StoreHealth(storage);
      ScheduledExecutorService healthChecks =
          Executors.newSingleThreadScheduledExecutor(
              Thread.ofPlatform().name("tapline-health").daemon().factory());
      healthChecks.scheduleWithFixedDelay(
          storeHealth::check,
          HEALTH_CHECK_INTERVAL_MILLIS,
          HEALTH_CHECK_INTERVAL_MILLIS,
          TimeUnit.MILLISECONDS);

      ServerBuilder sb = Server.builder().http(config.server().port()).meterRegistry(meters);
      config.server().extraPorts().forEach(sb::http);
      Authenticator authenticator =
          configureServices(sb, config, stores, storage, storeHealth, meters);
      Server server = sb.build();
      server.start().join();
      TaplineServer tapline =
          new TaplineServer(
              engine,
              storage,
              authenticator,
              server,
              healthChecks,
              meters,
              config.server().extraPorts());
      logger.info("Tapline serving on port {} (docs at /docs)", tapline.port());
      if (config.demo().enabled()) {
        tapline.startDemo(stores.apiKeys(), config.demo().callsPerSecond());
      }
      return tapline;
    } catch (RuntimeException e) {
      if (storage != null) {
        storage.close();
      }
      if (engine != null) {
        engine.close();
      }
      throw e;
    }
  }

  /**
   * Starts the demo's traffic to this server. The server runs on without it if that fails: the demo
   * is a sample, never a reason to stop.
   */
  private void startDemo(ApiKeyStore keys, int callsPerSecond) {
    try {
      demo = DemoTraffic.start(port(), keys, authenticator, callsPerSecond);
    } catch (RuntimeException e) {
      logger.warn("Demo traffic could not start: {}", e.toString());
    }
  }

  /** Registers every service on {@code sb}; returns the authenticator they share. */
  private static Authenticator configureServices(
      ServerBuilder sb,
      TaplineConfig config,
      Stores stores,
      ClickHouseStorage storage,
      StoreHealth storeHealth,
      PrometheusMeterRegistry meters) {
    Authenticator authenticator =
        new Authenticator(stores.apiKeys(), config.auth(), Clock.systemUTC());
    authenticator.bindMetrics(meters);
    AuthInterceptor auth =
        new AuthInterceptor(
            authenticator,
            Map.of(
                IngestServiceGrpc.SERVICE_NAME, Scope.INGEST,
                TraceServiceGrpc.SERVICE_NAME, Scope.INGEST,
                QueryServiceGrpc.SERVICE_NAME, Scope.READ,
                // Comparing needs read; saving and deleting baselines needs admin, per method.
                DriftServiceGrpc.SERVICE_NAME, Scope.READ,
                // Reading needs read; creating and deleting needs admin, per method.
                DatasetServiceGrpc.SERVICE_NAME, Scope.READ,
                AdminServiceGrpc.SERVICE_NAME, Scope.ADMIN,
                ReplayServiceGrpc.SERVICE_NAME, Scope.REPLAY,
                // Reading events needs read; managing rules needs admin, checked per method.
                AlertServiceGrpc.SERVICE_NAME, Scope.READ));
    // LabelService is not listed: adding labels needs ingest, reading them read, per method.
    // One guard for every request Tapline sends (replays, webhooks); one masker for ingest and
    // replays.
    OutboundGuard outbound =
        new OutboundGuard(HostResolver.SYSTEM, config.outbound().allowedHosts());
    Masker masker = config.ingest().masker();
    AlertEngine alerts =
        AlertEngine.start(
            config.alerts(),
            stores.alertRules(),
            stores.alertEvents(),
            stores.windows(),
            stores.drift(),
            stores.driftBaselines(),
            stores.services(),
            outbound,
            meters);
    ReplayServiceImpl replay =
        new ReplayServiceImpl(
            stores.calls(),
            stores.services(),
            stores.replays(),
            config.replay(),
            masker,
            config.ingest().defaultRetentionDays(),
            outbound,
            Clock.systemUTC());
    TaplineConfig.Ingest ingestConfig = config.ingest();
    CallSink sink =
        CallSinks.groupCommit(
            storage,
            ingestConfig.commitTimeout(),
            new GroupCommitter.Settings(
                ingestConfig.queueRecords(),
                ingestConfig.queueBytes(),
                ingestConfig.commitMaxRecords(),
                ingestConfig.commitInterval(),
                ingestConfig.retryAfter(),
                ingestConfig.commitWorkers()),
            meters);
    IngestPipeline pipeline =
        new IngestPipeline(
            ingestConfig, masker, sink, stores.services(), stores.plans(), Clock.systemUTC());
    IngestServiceImpl ingest =
        new IngestServiceImpl(
            pipeline, sink, alerts.ingestListener(), ingestConfig.streamWindowBatches());
    OtlpTraceService otlp = new OtlpTraceService(pipeline, alerts.ingestListener(), meters);
    DatasetWriter datasets =
        new DatasetWriter(
            stores.datasets(),
            stores.calls(),
            stores.export(),
            outbound,
            config.datasets(),
            System.getenv(),
            Clock.systemUTC());
    datasets.start();
    // Stopping: first refuse new batches and commit the queued ones, whose clients then get their
    // acks while connections are still open; then the server drains and closes connections.
    sb.serverListener(
        ServerListener.builder()
            .whenStopping(s -> ingest.close())
            .whenStopped(
                s -> {
                  datasets.close();
                  alerts.close();
                  replay.close();
                })
            .build());
    sb.gracefulShutdownTimeout(GRACEFUL_QUIET_PERIOD, GRACEFUL_TIMEOUT);
    sb.errorHandler(new GrpcStatusErrorHandler());
    ReflectionServices reflection = new ReflectionServices();
    ConcurrencyLimit queryTurns =
        new ConcurrencyLimit(
            Set.of(
                QueryServiceGrpc.SERVICE_NAME,
                DriftServiceGrpc.SERVICE_NAME,
                LabelServiceGrpc.SERVICE_NAME),
            config.query());
    queryTurns.bindMetrics(meters);
    GrpcServiceBuilder grpcBuilder =
        GrpcService.builder()
            .addService(IngestRequestMarshaller.install(ingest.bindService()))
            .addService(otlp)
            .addService(alerts.service())
            .addService(new QueryServiceImpl(stores.calls(), stores.export(), Clock.systemUTC()))
            .addService(new LabelServiceImpl(stores.labels(), stores.services(), Clock.systemUTC()))
            .addService(
                new DatasetServiceImpl(
                    stores.datasets(), stores.export(), outbound, Clock.systemUTC()))
            .addService(
                new DriftServiceImpl(
                    stores.drift(), stores.driftBaselines(), stores.services(), Clock.systemUTC()))
            .addService(
                new AdminServiceImpl(
                    stores.services(),
                    stores.customers(),
                    stores.plans(),
                    stores.apiKeys(),
                    authenticator,
                    Clock.systemUTC()))
            .addService(replay)
            .addService(new IdentityServiceImpl(stores.apiKeys()))
            .addService(GrpcHealthCheckService.builder().checkers(storeHealth.checker()).build())
            .supportedSerializationFormats(GrpcSerializationFormats.values())
            .jsonMarshallerFactory(JsonCodec::of)
            .enableUnframedRequests(true)
            .enableHttpJsonTranscoding(true)
            .useBlockingTaskExecutor(true)
            .maxRequestMessageLength(ingestConfig.maxMessageBytes())
            .exceptionHandler(new TaplineExceptionHandler())
            // The last interceptor runs first: the key is checked, then counted, then the
            // call runs in a scope its cancellation cancels.
            .intercept(new QueryCancellation(), queryTurns, auth);
    reflection.definitions().forEach(grpcBuilder::addService);
    GrpcService grpc = grpcBuilder.build();
    var requestMetrics =
        MetricCollectingService.newDecorator(MeterIdPrefixFunction.ofDefault("tapline.requests"));
    reflection.describe(grpc.services());
    sb.service(
        grpc,
        HttpDecorators::requestLimits,
        QueryParameterCheck.of(
                grpc.services().stream()
                    .map(s -> s.getServiceDescriptor().getSchemaDescriptor())
                    .filter(d -> d instanceof ProtoServiceDescriptorSupplier)
                    .map(d -> ((ProtoServiceDescriptorSupplier) d).getServiceDescriptor())
                    .toList())
            .asDecorator(),
        requestMetrics,
        HttpDecorators.cors(config.server().corsAllowedOrigins()));
    // OTLP/HTTP beside OTLP over gRPC; gzip bodies are decoded first.
    sb.service(
        ExportHttpService.PATH,
        new ExportHttpService(stores.export(), auth, Clock.systemUTC()).decorate(requestMetrics));
    sb.service(
        OtlpHttpService.PATH,
        new OtlpHttpService(otlp, auth)
            .decorate(DecodingService.newDecorator())
            .decorate(requestMetrics));
    // Readiness follows the store; liveness only says the process answers.
    // Readiness also names the nodes of a cluster that do not answer.
    sb.service(
        "/internal/health", HealthCheckService.builder().checkers(storeHealth.checker()).build());
    sb.service("/internal/health/ready", storeHealth.readiness());
    sb.service("/internal/health/live", HealthCheckService.of());
    sb.service("/internal/metrics", PrometheusExpositionService.of(meters.getPrometheusRegistry()));
    sb.serviceUnder("/docs", DocsExamples.docService());
    Console.addTo(sb);
    // Request buffers on the heap. gRPC messages are parsed from the buffer Armeria gathers them
    // in, and protobuf decodes their strings from a heap array with the JDK's vectorised UTF-8
    // decoder but from direct memory byte by byte. Sockets still read into direct buffers.
    sb.childChannelOption(ChannelOption.ALLOCATOR, new AdaptiveByteBufAllocator(false));
    // A unary gRPC or JSON request is one message; IngestStream lifts both limits for itself.
    sb.maxRequestLength(
        (long) ingestConfig.maxMessageBytes() + HttpDecorators.REQUEST_FRAMING_BYTES);
    sb.requestTimeout(Duration.ofMinutes(1));
    return authenticator;
  }

  /** The port the server listens on (useful when configured with port 0), not an extra one. */
  public int port() {
    return server.activePorts().values().stream()
        .mapToInt(p -> p.localAddress().getPort())
        .filter(p -> !extraPorts.contains(p))
        .findFirst()
        .orElseThrow();
  }

  /** The embedded engine, or null when an external ClickHouse is used. */
  public EmbeddedClickHouse engine() {
    return engine;
  }

  public ClickHouseStorage storage() {
    return storage;
  }

  /** The authenticator of this server's API keys. */
  public Authenticator authenticator() {
    return authenticator;
  }

  /** The meters this server exports at {@code /internal/metrics}. */
  public MeterRegistry meters() {
    return meters;
  }

  /**
   * Stops accepting requests, finishes the ones in flight, then closes the store and the engine.
   */
  @Override
  public void close() {
    // The demo first: its last batch is committed before ingest stops taking batches.
    DemoTraffic running = demo;
    if (running != null) {
      running.close();
    }
    server.stop().join();
    healthChecks.shutdownNow();
    storage.close();
    if (engine != null) {
      engine.close();
    }
  }
}
