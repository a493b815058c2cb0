package io.tapline.server;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerListener;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.grpc.GrpcHealthCheckService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.SettableHealthChecker;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import com.linecorp.armeria.server.prometheus.PrometheusExpositionService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.tapline.masking.Masker;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.AlertEventFilter;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallClause;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.CreateApiKeyRequest;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.Dimension;
import io.tapline.proto.v1.GetBreakdownRequest;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.GetTimeSeriesRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.ListAlertEventsRequest;
import io.tapline.proto.v1.ListApiKeysRequest;
import io.tapline.proto.v1.ListServicesRequest;
import io.tapline.proto.v1.PerCallCondition;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.ReplayServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.Service;
import io.tapline.proto.v1.Severity;
import io.tapline.server.admin.AdminServiceImpl;
import io.tapline.server.alert.AlertEngine;
import io.tapline.server.api.ConcurrencyLimit;
import io.tapline.server.auth.AuthInterceptor;
import io.tapline.server.auth.Authenticator;
import io.tapline.server.auth.KeyBootstrap;
import io.tapline.server.auth.Scope;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.ingest.IngestServiceImpl;
import io.tapline.server.outbound.HostResolver;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.query.QueryServiceImpl;
import io.tapline.server.replay.ReplayServiceImpl;
import io.tapline.server.storage.MeteredCallStore;
import io.tapline.server.storage.MeteredCallWriter;
import io.tapline.server.storage.PlanRecord;
import io.tapline.server.storage.PlanStore;
import io.tapline.server.storage.clickhouse.ClickHouseAlertEventStore;
import io.tapline.server.storage.clickhouse.ClickHouseAlertRuleStore;
import io.tapline.server.storage.clickhouse.ClickHouseApiKeyStore;
import io.tapline.server.storage.clickhouse.ClickHouseCallStore;
import io.tapline.server.storage.clickhouse.ClickHouseCallWriter;
import io.tapline.server.storage.clickhouse.ClickHouseCustomerStore;
import io.tapline.server.storage.clickhouse.ClickHousePlanStore;
import io.tapline.server.storage.clickhouse.ClickHouseServiceStore;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.storage.clickhouse.SelectWindowAggregates;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Tapline: the embedded engine (when no ClickHouse URL is configured), the store, and
 * the Armeria server that serves gRPC, gRPC-Web, JSON over HTTP, reflection, health and {@code
 * /docs} on one port.
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

  private TaplineServer(
      EmbeddedClickHouse engine,
      ClickHouseStorage storage,
      Authenticator authenticator,
      Server server,
      ScheduledExecutorService healthChecks,
      PrometheusMeterRegistry meters) {
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
        TaplineConfig.Embedded embedded = config.embedded();
        engine =
            EmbeddedClickHouse.start(
                embedded.library(), embedded.dataDir(), embedded.httpPort(), embedded.startTimeout());
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
                  config.query().maxThreads()),
              meters);

      KeyBootstrap.ensureAdminKey(
          new ClickHouseApiKeyStore(storage.dataSource()),
          config.auth().bootstrapAdminKey(),
          config.embedded().dataDir());

      SettableHealthChecker storeHealth = new SettableHealthChecker(true);
      ScheduledExecutorService healthChecks =
          Executors.newSingleThreadScheduledExecutor(
              Thread.ofPlatform().name("tapline-health").daemon().factory());
      ClickHouseStorage checked = storage;
      healthChecks.scheduleWithFixedDelay(
          () -> storeHealth.setHealthy(checked.isHealthy()),
          HEALTH_CHECK_INTERVAL_MILLIS,
          HEALTH_CHECK_INTERVAL_MILLIS,
          TimeUnit.MILLISECONDS);

      ServerBuilder sb = Server.builder().http(config.server().port()).meterRegistry(meters);
      Authenticator authenticator = configureServices(sb, config, storage, storeHealth, meters);
      Server server = sb.build();
      server.start().join();
      TaplineServer tapline =
          new TaplineServer(engine, storage, authenticator, server, healthChecks, meters);
      logger.info("Tapline serving on port {} (docs at /docs)", tapline.port());
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

  /** Registers every service on {@code sb}; returns the authenticator they share. */
  static Authenticator configureServices(
      ServerBuilder sb,
      TaplineConfig config,
      ClickHouseStorage storage,
      SettableHealthChecker storeHealth,
      PrometheusMeterRegistry meters) {
    Authenticator authenticator =
        new Authenticator(
            new ClickHouseApiKeyStore(storage.dataSource()),
            config.auth().cacheTtl(),
            config.auth().cacheSize(),
            config.auth().failuresPerMinute(),
            Clock.systemUTC());
    authenticator.bindMetrics(meters);
    AuthInterceptor auth =
        new AuthInterceptor(
            authenticator,
            Map.of(
                IngestServiceGrpc.SERVICE_NAME, Scope.INGEST,
                QueryServiceGrpc.SERVICE_NAME, Scope.READ,
                AdminServiceGrpc.SERVICE_NAME, Scope.ADMIN,
                ReplayServiceGrpc.SERVICE_NAME, Scope.REPLAY,
                // Reading events needs read; managing rules needs admin, checked per method.
                AlertServiceGrpc.SERVICE_NAME, Scope.READ));
    // One guard for every request Tapline sends (replays, webhooks); one masker for ingest and
    // replays.
    OutboundGuard outbound = new OutboundGuard(HostResolver.SYSTEM, config.outbound().allowedHosts());
    Masker masker = config.ingest().masker();
    AlertEngine alerts =
        AlertEngine.start(
            config.alerts(),
            new ClickHouseAlertRuleStore(storage.dataSource()),
            new ClickHouseAlertEventStore(storage.dataSource()),
            new SelectWindowAggregates(storage.dataSource()),
            outbound,
            meters);
    ReplayServiceImpl replay =
        ReplayServiceImpl.create(
            storage.dataSource(), storage.queryPool(), config, masker, outbound);
    TaplineConfig.Ingest ingestConfig = config.ingest();
    IngestServiceImpl ingest =
        new IngestServiceImpl(
            ingestConfig,
            masker,
            new MeteredCallWriter(
                new ClickHouseCallWriter(
                    storage.ingestPool(), storage.database(), config.ingest().commitTimeout()),
                meters),
            new ClickHouseServiceStore(storage.dataSource()),
            cachedPlanRates(
                new ClickHousePlanStore(storage.dataSource()), ingestConfig.serviceCacheTtl()),
            alerts.ingestListener(),
            Clock.systemUTC());
    Gauge.builder("tapline.ingest.queue.records", ingest, IngestServiceImpl::queuedRecords)
        .description("Calls waiting for their group commit")
        .register(meters);
    // Stopping: first refuse new batches and commit the queued ones, whose clients then get their
    // acks while connections are still open; then the server drains and closes connections.
    sb.serverListener(
        ServerListener.builder()
            .whenStopping(s -> ingest.close())
            .whenStopped(
                s -> {
                  alerts.close();
                  replay.close();
                })
            .build());
    sb.gracefulShutdownTimeout(GRACEFUL_QUIET_PERIOD, GRACEFUL_TIMEOUT);
    sb.errorHandler(new io.tapline.server.api.GrpcStatusErrorHandler());
    ReflectionServices reflection = new ReflectionServices();
    ConcurrencyLimit queryTurns =
        new ConcurrencyLimit(
            Set.of(QueryServiceGrpc.SERVICE_NAME),
            config.query().maxConcurrentPerKey(),
            config.query().maxConcurrent(),
            config.query().timeout());
    queryTurns.bindMetrics(meters);
    GrpcServiceBuilder grpcBuilder =
        GrpcService.builder()
            .addService(io.tapline.server.api.IngestRequestMarshaller.install(ingest.bindService()))
            .addService(alerts.service())
            .addService(
                new QueryServiceImpl(
                    new MeteredCallStore(new ClickHouseCallStore(storage.queryPool()), meters)))
            .addService(
                new AdminServiceImpl(
                    new ClickHouseServiceStore(storage.dataSource()),
                    new ClickHouseCustomerStore(storage.dataSource()),
                    new ClickHousePlanStore(storage.dataSource()),
                    new ClickHouseApiKeyStore(storage.dataSource()),
                    authenticator,
                    Clock.systemUTC()))
            .addService(replay)
            .addService(GrpcHealthCheckService.builder().checkers(storeHealth).build())
            .supportedSerializationFormats(GrpcSerializationFormats.values())
            .jsonMarshallerFactory(io.tapline.server.api.JsonCodec::of)
            .enableUnframedRequests(true)
            .enableHttpJsonTranscoding(true)
            .useBlockingTaskExecutor(true)
            .maxRequestMessageLength(config.ingest().maxMessageBytes())
            .exceptionHandler(new TaplineExceptionHandler())
            // The last interceptor runs first: the key is checked, then counted, then the
            // call runs in a scope its cancellation cancels.
            .intercept(
                new io.tapline.server.api.QueryCancellation(),
                queryTurns,
                auth);
    reflection.definitions().forEach(grpcBuilder::addService);
    GrpcService grpc = grpcBuilder.build();
    reflection.describe(grpc.services());
    sb.service(
        grpc,
        TaplineServer::requestLimits,
        io.tapline.server.api.QueryParameterCheck.of(
                grpc.services().stream()
                    .map(s -> s.getServiceDescriptor().getSchemaDescriptor())
                    .filter(d -> d instanceof io.grpc.protobuf.ProtoServiceDescriptorSupplier)
                    .map(d -> ((io.grpc.protobuf.ProtoServiceDescriptorSupplier) d).getServiceDescriptor())
                    .toList())
            .asDecorator(),
        MetricCollectingService.newDecorator(MeterIdPrefixFunction.ofDefault("tapline.requests")),
        cors(config.server().corsAllowedOrigins()));
    // Readiness follows the store; liveness only says the process answers.
    HealthCheckService ready = HealthCheckService.builder().checkers(storeHealth).build();
    sb.service("/internal/health", ready);
    sb.service("/internal/health/ready", ready);
    sb.service("/internal/health/live", HealthCheckService.of());
    sb.service("/internal/metrics", PrometheusExpositionService.of(meters.getPrometheusRegistry()));
    sb.serviceUnder(
        "/docs",
        DocService.builder()
            .exampleRequests(
                IngestServiceGrpc.SERVICE_NAME, "Ingest", IngestRequest.newBuilder()
                    .setBatchId("example-batch-1")
                    .addCalls(exampleCall())
                    .build())
            .exampleRequests(
                QueryServiceGrpc.SERVICE_NAME, "SearchCalls", SearchCallsRequest.newBuilder()
                    .setFilter(CallFilter.newBuilder().setService("checkout"))
                    .setPageSize(20)
                    .build())
            .exampleRequests(
                QueryServiceGrpc.SERVICE_NAME, "GetMetrics", GetMetricsRequest.newBuilder()
                    .setFilter(CallFilter.newBuilder().setService("checkout"))
                    .addAllQuantiles(List.of(0.5, 0.95, 0.99))
                    .build())
            .exampleRequests(
                QueryServiceGrpc.SERVICE_NAME, "GetBreakdown", GetBreakdownRequest.newBuilder()
                    .setFilter(CallFilter.newBuilder().setService("checkout"))
                    .addDimensions(Dimension.DIMENSION_PLAN)
                    .addDimensions(Dimension.DIMENSION_STATUS_CLASS)
                    .setLimit(10)
                    .build())
            .exampleRequests(
                QueryServiceGrpc.SERVICE_NAME, "GetTimeSeries", GetTimeSeriesRequest.newBuilder()
                    .setFilter(CallFilter.newBuilder().setService("checkout"))
                    .setSplitBy(Dimension.DIMENSION_ROUTE)
                    .setSeriesLimit(5)
                    .build())
            .exampleRequests(
                AdminServiceGrpc.SERVICE_NAME, "CreateService", CreateServiceRequest.newBuilder()
                    .setService(
                        Service.newBuilder()
                            .setName("checkout")
                            .setDescription("Checkout API")
                            .setBaseUrl("https://checkout.example.com")
                            .setRetentionDays(30))
                    .build())
            .exampleRequests(
                AdminServiceGrpc.SERVICE_NAME, "ListServices", ListServicesRequest.getDefaultInstance())
            .exampleRequests(
                AdminServiceGrpc.SERVICE_NAME, "CreateApiKey", CreateApiKeyRequest.newBuilder()
                    .setName("checkout ingest")
                    .addScopes("ingest")
                    .setService("checkout")
                    .build())
            .exampleRequests(
                AdminServiceGrpc.SERVICE_NAME, "ListApiKeys", ListApiKeysRequest.getDefaultInstance())
            .exampleRequests(
                AlertServiceGrpc.SERVICE_NAME, "CreateAlertRule", CreateAlertRuleRequest.newBuilder()
                    .setRule(
                        AlertRule.newBuilder()
                            .setName("checkout 5xx")
                            .setService("checkout")
                            .setSeverity(Severity.CRITICAL)
                            .setEnabled(true)
                            .setPerCall(
                                PerCallCondition.newBuilder()
                                    .addClauses(
                                        CallClause.newBuilder()
                                            .setField("status_code")
                                            .setOp(">=")
                                            .setValue("500"))))
                    .build())
            .exampleRequests(
                AlertServiceGrpc.SERVICE_NAME, "ListAlertEvents", ListAlertEventsRequest.newBuilder()
                    .setFilter(AlertEventFilter.newBuilder().setService("checkout"))
                    .setPageSize(20)
                    .build())
            .exampleHeaders(HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, "Bearer <your key>"))
            .build());
    // Request buffers on the heap. gRPC messages are parsed from the buffer Armeria gathers them
    // in, and protobuf decodes their strings from a heap array with the JDK's vectorised UTF-8
    // decoder but from direct memory byte by byte. Sockets still read into direct buffers.
    // Ingest benchmark: 9.5-10.6 instead of 11.0-12.2 us of server CPU per record.
    sb.childChannelOption(ChannelOption.ALLOCATOR, new AdaptiveByteBufAllocator(false));
    // A unary gRPC or JSON request is one message; IngestStream lifts both limits for itself.
    sb.maxRequestLength((long) ingestConfig.maxMessageBytes() + REQUEST_FRAMING_BYTES);
    sb.requestTimeout(Duration.ofMinutes(1));
    return authenticator;
  }

  /** Room for gRPC framing and headers on top of the largest message: {@value} bytes. */
  static final long REQUEST_FRAMING_BYTES = 64 * 1024;

  private static final String INGEST_STREAM_PATH =
      "/" + IngestServiceGrpc.getIngestStreamMethod().getFullMethodName();

  /**
   * Per-method limits: an IngestStream is long-lived, so it has neither a total size limit (each
   * of its messages is still limited to {@code ingest.max-message-bytes}) nor a request timeout.
   * Answers that ask the client to retry later get a {@code Retry-After} header (JSON clients).
   */
  private static HttpService requestLimits(HttpService delegate) {
    // A decorating service (not a lambda) so that the gRPC service still learns that it was
    // added to the server; the health service depends on it.
    return new SimpleDecoratingHttpService(delegate) {
      @Override
      public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        if (INGEST_STREAM_PATH.equals(ctx.path())) {
          ctx.setMaxRequestLength(0);
          ctx.clearRequestTimeout();
        }
        return unwrap()
            .serve(ctx, req)
            .mapHeaders(
                headers -> {
                  Duration retryAfter = ctx.attr(TaplineExceptionHandler.RETRY_AFTER);
                  int status = headers.status().code();
                  if (retryAfter == null || (status != 429 && status != 503)) {
                    return headers;
                  }
                  long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
                  return headers.toBuilder()
                      .set(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds))
                      .build();
                });
      }
    };
  }

  /** The rate limit of a plan by id (0: none set), read from the plan store through a cache. */
  private static ToIntFunction<String> cachedPlanRates(PlanStore plans, Duration ttl) {
    LoadingCache<String, Integer> cache =
        Caffeine.newBuilder()
            .expireAfterWrite(ttl)
            .maximumSize(10_000)
            .build(plan -> plans.get(plan).map(PlanRecord::rateLimitPerSecond).orElse(0));
    return plan -> {
      try {
        return cache.get(plan);
      } catch (RuntimeException e) {
        return 0; // the default rate applies until the plan can be read
      }
    };
  }

  /**
   * Lets web pages on the configured origins call the API with gRPC-Web or JSON: answers
   * preflight requests and exposes the gRPC status headers to scripts. No origins: no CORS.
   */
  static Function<? super HttpService, ? extends HttpService> cors(List<String> origins) {
    if (origins.isEmpty()) {
      return Function.identity();
    }
    CorsServiceBuilder cors =
        origins.contains("*") ? CorsService.builderForAnyOrigin() : CorsService.builder(origins);
    return cors.allowRequestMethods(HttpMethod.POST, HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE)
        .allowRequestHeaders(
            "authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "grpc-accept-encoding")
        .exposeHeaders("grpc-status", "grpc-message", "grpc-status-details-bin", "retry-after")
        .maxAge(600)
        .newDecorator();
  }

  /** An example call for /docs, timestamped at start so that it passes ingest.max-past. */
  static ApiCall exampleCall() {
    return ApiCall.newBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(java.time.Instant.now().getEpochSecond()))
        .setService("checkout")
        .setMethod("POST")
        .setUrl("https://api.example.com/v1/orders?currency=EUR")
        .setRoute("/v1/orders")
        .setStatusCode(201)
        .setLatencyMs(42.5)
        .putRequestHeaders("content-type", "application/json")
        .setRequestBody("{\"sku\":\"A-1\",\"quantity\":2}")
        .setResponseBody("{\"id\":\"ord_123\"}")
        .setSourceIp("203.0.113.7")
        .putTags("region", "eu-west-1")
        .setCustomerId("acme")
        .build();
  }

  /** The port the server listens on (useful when configured with port 0). */
  public int port() {
    return server.activeLocalPort();
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

  /** Stops accepting requests, finishes the ones in flight, then closes the store and the engine. */
  @Override
  public void close() {
    server.stop().join();
    healthChecks.shutdownNow();
    storage.close();
    if (engine != null) {
      engine.close();
    }
  }
}
