package io.tapline.server.app;

import com.google.protobuf.util.Durations;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.Aggregate;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallClause;
import io.tapline.proto.v1.Comparison;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.CreateCustomerRequest;
import io.tapline.proto.v1.CreatePlanRequest;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.Customer;
import io.tapline.proto.v1.FieldRule;
import io.tapline.proto.v1.FieldSource;
import io.tapline.proto.v1.FieldType;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.ListAlertRulesRequest;
import io.tapline.proto.v1.ListCustomersRequest;
import io.tapline.proto.v1.ListPlansRequest;
import io.tapline.proto.v1.ListServicesRequest;
import io.tapline.proto.v1.PerCallCondition;
import io.tapline.proto.v1.Plan;
import io.tapline.proto.v1.Rejection;
import io.tapline.proto.v1.Service;
import io.tapline.proto.v1.Severity;
import io.tapline.proto.v1.WindowedCondition;
import io.tapline.server.api.Times;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.auth.Authenticator;
import io.tapline.server.storage.AlertRuleRecord;
import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.ApiKeyStore;
import io.tapline.server.storage.MetadataStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sample traffic for a first look at Tapline ({@code ./scripts/run --demo}): services, plans,
 * customers and alert rules made once through the public API, then a batch of realistic calls every
 * second, sent over a loopback connection as a monitored service would send them.
 *
 * <p>Three services with a few routes each; twelve customers on three plans, two of them making
 * half the traffic; log-normal latencies with a slow tail; some client errors and a few server
 * errors; secrets in headers and bodies for the masker. Two kinds of trouble come back, each the
 * first time soon after start: an outage of the payment acquirer (502 and 503 on {@code
 * demo-payments}, reported by the per-call rule {@code demo: payment failures}) every two to three
 * minutes, and a slow spell of {@code demo-search} (its p95 above 800 ms, which fires and later
 * resolves the windowed rule {@code demo: slow search}) every few minutes.
 *
 * <p>Everything it makes is named {@code demo-...} (its rules {@code demo: ...}, its API key {@code
 * demo traffic}), its calls are tagged {@code demo=true} and kept {@value #RETENTION_DAYS} days,
 * and {@link #deleteDemoData} removes it all ({@code demo.delete}).
 *
 * <p>One thread makes and sends the batches. A batch that fails is dropped and the next second's is
 * sent as usual: the demo never stops the server, nor waits for it.
 */
final class DemoTraffic implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(DemoTraffic.class);

  static final String SHOP = "demo-shop";
  static final String PAYMENTS = "demo-payments";
  static final String SEARCH = "demo-search";
  static final List<String> SERVICES = List.of(SHOP, PAYMENTS, SEARCH);

  /** The name of the demo's API key. */
  static final String KEY_NAME = "demo traffic";

  static final String PAYMENT_FAILURES = "demo: payment failures";
  static final String SLOW_SEARCH = "demo: slow search";

  /** Days the demo's calls are kept: {@value}. */
  static final int RETENTION_DAYS = 3;

  static final String DESCRIPTION =
      "Demo data from ./scripts/run --demo: delete with ./scripts/run --demo.delete=true";

  /** A usage plan of the demo. */
  record DemoPlan(String id, String name) {}

  static final List<DemoPlan> PLANS =
      List.of(
          new DemoPlan("demo-free", "Free"),
          new DemoPlan("demo-pro", "Pro"),
          new DemoPlan("demo-enterprise", "Enterprise"));

  /**
   * A customer of the demo's services.
   *
   * @param weight its share of the traffic, in percent
   * @param addressPrefix its calls come from the ten addresses of this prefix and a last digit, in
   *     the ranges kept for documentation
   */
  record DemoCustomer(
      String id, String name, String plan, int weight, String region, String addressPrefix) {

    String currency() {
      return region.startsWith("eu") ? "EUR" : "USD";
    }
  }

  private static final String US = "us-east-1";
  private static final String EU = "eu-west-1";

  static final List<DemoCustomer> CUSTOMERS =
      List.of(
          new DemoCustomer("demo-acme", "Acme Corp", "demo-enterprise", 30, US, "203.0.113.1"),
          new DemoCustomer("demo-globex", "Globex", "demo-enterprise", 20, EU, "198.51.100.2"),
          new DemoCustomer("demo-initech", "Initech", "demo-pro", 12, US, "192.0.2.3"),
          new DemoCustomer("demo-umbrella", "Umbrella", "demo-pro", 9, EU, "203.0.113.4"),
          new DemoCustomer("demo-hooli", "Hooli", "demo-pro", 7, US, "198.51.100.5"),
          new DemoCustomer("demo-stark", "Stark Industries", "demo-enterprise", 6, US, "192.0.2.6"),
          new DemoCustomer("demo-wayne", "Wayne Enterprises", "demo-pro", 5, US, "203.0.113.7"),
          new DemoCustomer("demo-soylent", "Soylent", "demo-pro", 4, EU, "198.51.100.8"),
          new DemoCustomer("demo-wonka", "Wonka Industries", "demo-free", 3, EU, "192.0.2.9"),
          new DemoCustomer(
              "demo-vandelay", "Vandelay Industries", "demo-free", 2, US, "203.0.113.10"),
          new DemoCustomer("demo-cyberdyne", "Cyberdyne", "demo-free", 1, US, "198.51.100.11"),
          new DemoCustomer("demo-tyrell", "Tyrell", "demo-free", 1, EU, "192.0.2.12"));

  /** A route of a demo service: how often it is called, how fast it answers, its success. */
  record Route(
      String service, String method, String template, int weight, double medianMs, int okStatus) {}

  static final List<Route> ROUTES =
      List.of(
          new Route(SHOP, "GET", "/v1/products", 20, 45, 200),
          new Route(SHOP, "GET", "/v1/products/{id}", 18, 25, 200),
          new Route(SHOP, "POST", "/v1/cart/items", 8, 60, 201),
          new Route(SHOP, "POST", "/v1/orders", 4, 120, 201),
          new Route(SHOP, "GET", "/v1/orders/{id}", 5, 30, 200),
          new Route(PAYMENTS, "POST", "/v1/payments", 6, 110, 201),
          new Route(PAYMENTS, "GET", "/v1/payments/{id}", 5, 20, 200),
          new Route(PAYMENTS, "POST", "/v1/payments/{id}/capture", 2, 80, 200),
          new Route(PAYMENTS, "POST", "/v1/refunds", 1, 90, 201),
          new Route(SEARCH, "GET", "/v1/search", 22, 70, 200),
          new Route(SEARCH, "GET", "/v1/suggest", 14, 20, 200),
          new Route(SEARCH, "GET", "/v1/search/facets", 5, 50, 200),
          new Route(SEARCH, "GET", "/v1/trending", 3, 15, 200));

  /** When the first acquirer outage begins after start, and how long each lasts. */
  static final Duration FIRST_OUTAGE_AFTER = Duration.ofSeconds(8);

  static final Duration OUTAGE_LENGTH = Duration.ofSeconds(12);

  /** When the first slow spell of search begins after start, and how long each lasts. */
  static final Duration FIRST_SLOW_SPELL_AFTER = Duration.ofSeconds(30);

  static final Duration SLOW_SPELL_LENGTH = Duration.ofSeconds(60);

  /** Share of payment calls that fail during an outage. */
  private static final double OUTAGE_FAILURE_SHARE = 0.7;

  /** Share of search calls slower than 900 ms during a slow spell: p95 goes above 800 ms. */
  private static final double SLOW_SPELL_SHARE = 0.35;

  /** Share of calls that fail with a 5xx outside outages (payments' calls never do). */
  private static final double SERVER_ERROR_SHARE = 0.005;

  /** Share of calls refused for the caller's fault (4xx). */
  private static final double CLIENT_ERROR_SHARE = 0.04;

  /** Share of calls of customers on the free plan refused for their rate (429), besides. */
  private static final double FREE_PLAN_THROTTLED_SHARE = 0.03;

  /** Share of calls in the slow tail, over a second. */
  private static final double SLOW_TAIL_SHARE = 0.01;

  /** Spread of the log-normal latencies around each route's median. */
  private static final double LATENCY_SIGMA = 0.5;

  /** How long one request of the demo to the server may take. */
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(10);

  /** At close, how long the batch being sent is waited for. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /** A card number of the card networks' test ranges, masked before it is stored. */
  private static final String TEST_CARD = "4111111111111111";

  private static final List<String> PRODUCTS =
      List.of(
          "Trail running shoes",
          "Wireless headphones",
          "Coffee grinder",
          "Desk lamp",
          "Yoga mat",
          "USB-C cable",
          "Hiking backpack",
          "Rain jacket");
  private static final List<String> CATEGORIES =
      List.of("shoes", "audio", "kitchen", "home", "sports", "electronics", "outdoor");
  private static final List<String> QUERIES =
      List.of(
          "running shoes",
          "wireless headphones",
          "coffee grinder",
          "desk lamp",
          "yoga mat",
          "usb-c cable",
          "hiking backpack",
          "rain jacket");
  private static final List<String> ORDER_STATUSES = List.of("confirmed", "packed", "shipped");
  private static final List<String> REFUND_REASONS =
      List.of("requested_by_customer", "duplicate", "damaged");
  private static final List<String> USER_AGENTS =
      List.of(
          "okhttp/4.12.0",
          "python-requests/2.32.3",
          "Go-http-client/2.0",
          "axios/1.7.7",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko)"
              + " Version/17.5 Safari/605.1.15");
  private static final List<Integer> CLIENT_ERRORS = List.of(400, 400, 401, 429);
  private static final List<Integer> SERVER_ERRORS = List.of(500, 500, 502, 503, 504);
  private static final Map<Integer, String> REASONS =
      Map.of(
          400, "invalid request",
          401, "missing or expired credentials",
          404, "not found",
          429, "too many requests",
          500, "internal error",
          502, "bad gateway",
          503, "service unavailable",
          504, "gateway timeout");

  /** Each customer and route as often as its weight: a uniform pick among them is weighted. */
  private static final List<DemoCustomer> CUSTOMER_TICKETS =
      byWeight(CUSTOMERS, DemoCustomer::weight);

  private static final List<Route> ROUTE_TICKETS = byWeight(ROUTES, Route::weight);

  private static final HexFormat HEX = HexFormat.of();

  private final ClientFactory factory;
  private final IngestServiceGrpc.IngestServiceBlockingStub ingest;
  private final int callsPerSecond;
  private final ScheduledExecutorService sender;

  // Used by the sender thread only.
  private final RandomGenerator random = new SplittableRandom();
  private final Episodes outages;
  private final Episodes slowSpells;
  private Instant covered;
  private boolean failing;
  private boolean reportedRejections;

  private DemoTraffic(
      ClientFactory factory,
      IngestServiceGrpc.IngestServiceBlockingStub ingest,
      int callsPerSecond,
      Instant started) {
    this.factory = factory;
    this.ingest = ingest;
    this.callsPerSecond = callsPerSecond;
    this.covered = started.truncatedTo(ChronoUnit.SECONDS);
    // An outage every two to three minutes, a slow spell every four to five and a half.
    this.outages =
        new Episodes(
            started.plus(FIRST_OUTAGE_AFTER),
            OUTAGE_LENGTH,
            Duration.ofSeconds(110),
            Duration.ofSeconds(170));
    this.slowSpells =
        new Episodes(
            started.plus(FIRST_SLOW_SPELL_AFTER),
            SLOW_SPELL_LENGTH,
            Duration.ofSeconds(180),
            Duration.ofSeconds(270));
    this.sender =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("tapline-demo").daemon().factory());
  }

  /**
   * Makes the demo's API key, then its services, plans, customers and rules where they are missing
   * (through the API of the server on {@code port}), and starts sending calls: about {@code
   * callsPerSecond} a second. A demo key made by an earlier start is revoked: there is one at a
   * time.
   */
  static DemoTraffic start(
      int port, ApiKeyStore keys, Authenticator authenticator, int callsPerSecond) {
    String key = newKey(keys, authenticator);
    ClientFactory factory = ClientFactory.builder().build();
    try {
      GrpcClientBuilder clients =
          GrpcClients.builder("http://127.0.0.1:" + port)
              .factory(factory)
              .addHeader("authorization", "Bearer " + key)
              .responseTimeout(RESPONSE_TIMEOUT);
      setUp(
          clients.build(AdminServiceGrpc.AdminServiceBlockingStub.class),
          clients.build(AlertServiceGrpc.AlertServiceBlockingStub.class));
      DemoTraffic demo =
          new DemoTraffic(
              factory,
              clients.build(IngestServiceGrpc.IngestServiceBlockingStub.class),
              callsPerSecond,
              Instant.now());
      // Each run sends the second that just ended: runs start a little after each whole second.
      demo.sender.scheduleAtFixedRate(
          demo::sendLastSecond,
          1100 - System.currentTimeMillis() % 1000,
          1000,
          TimeUnit.MILLISECONDS);
      logger.info(
          "Demo traffic: {} calls per second to {}; delete it with ./scripts/run"
              + " --demo.delete=true",
          callsPerSecond,
          String.join(", ", SERVICES));
      return demo;
    } catch (RuntimeException e) {
      factory.close();
      throw e;
    }
  }

  /** Stops sending, after the batch being sent (waited for at most a few seconds). */
  @Override
  public void close() {
    sender.shutdown();
    try {
      if (!sender.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        sender.shutdownNow();
      }
    } catch (InterruptedException e) {
      sender.shutdownNow();
      Thread.currentThread().interrupt();
    }
    factory.close();
  }

  /** What {@link #deleteDemoData} removed. */
  record Removed(int services, int plans, int customers, int rules, int keys, long calls) {}

  /**
   * Removes everything the demo made: its services with their rules and calls, its plans and
   * customers, and revokes its API keys. Through the stores, before the server serves ({@code
   * demo.delete}); with demo traffic running, stop it first.
   */
  static Removed deleteDemoData(Stores stores) {
    int rules = 0;
    for (AlertRuleRecord rule : stores.alertRules().list()) {
      if (SERVICES.contains(rule.service())) {
        stores.alertRules().delete(rule.id());
        rules++;
      }
    }
    int keys = revokeDemoKeys(stores.apiKeys()).size();
    int customers =
        deleteAll(stores.customers(), CUSTOMERS.stream().map(DemoCustomer::id).toList());
    int plans = deleteAll(stores.plans(), PLANS.stream().map(DemoPlan::id).toList());
    int services = deleteAll(stores.services(), SERVICES);
    long calls = stores.calls().deleteCalls(Set.copyOf(SERVICES));
    logger.info(
        "Demo data deleted: {} services, {} plans, {} customers, {} alert rules and {} calls;"
            + " {} demo API keys revoked",
        services,
        plans,
        customers,
        rules,
        calls,
        keys);
    return new Removed(services, plans, customers, rules, keys, calls);
  }

  private static <T> int deleteAll(MetadataStore<T> store, List<String> keys) {
    int deleted = 0;
    for (String key : keys) {
      if (store.get(key).isPresent()) {
        store.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  /** Revokes the demo's keys still in force; returns their ids. */
  private static List<String> revokeDemoKeys(ApiKeyStore keys) {
    List<String> revoked = new ArrayList<>();
    for (ApiKeyRecord key : keys.list()) {
      if (KEY_NAME.equals(key.name()) && !key.revoked()) {
        keys.put(key.revoke());
        revoked.add(key.keyId());
      }
    }
    return revoked;
  }

  // Set-up

  /**
   * An admin key for the demo, stored as the AdminService stores one (the AdminService needs a key
   * to be called with); demo keys of earlier starts are revoked.
   */
  private static String newKey(ApiKeyStore keys, Authenticator authenticator) {
    revokeDemoKeys(keys).forEach(authenticator::invalidate);
    ApiKeys.Generated key = ApiKeys.generate();
    keys.put(
        new ApiKeyRecord(
            key.keyId(),
            KEY_NAME,
            key.secretHash(),
            Set.of("admin"),
            "",
            "",
            "",
            Instant.now(),
            null,
            false));
    authenticator.invalidate(key.keyId());
    return key.key();
  }

  /** Creates what is missing of the demo's services, plans, customers and rules. */
  private static void setUp(
      AdminServiceGrpc.AdminServiceBlockingStub admin,
      AlertServiceGrpc.AlertServiceBlockingStub alerts) {
    createMissing(
        admin.listServices(ListServicesRequest.getDefaultInstance()).getServicesList(),
        Service::getName,
        SERVICES,
        name -> name,
        name ->
            admin.createService(
                CreateServiceRequest.newBuilder()
                    .setService(
                        Service.newBuilder()
                            .setName(name)
                            .setDescription(DESCRIPTION)
                            .setBaseUrl(baseUrl(name))
                            .setRetentionDays(RETENTION_DAYS)
                            .addAllFields(fields(name)))
                    .build()));
    createMissing(
        admin.listPlans(ListPlansRequest.getDefaultInstance()).getPlansList(),
        Plan::getId,
        PLANS,
        DemoPlan::id,
        plan ->
            admin.createPlan(
                CreatePlanRequest.newBuilder()
                    .setPlan(
                        Plan.newBuilder()
                            .setId(plan.id())
                            .setName(plan.name())
                            .setDescription(DESCRIPTION))
                    .build()));
    createMissing(
        admin.listCustomers(ListCustomersRequest.getDefaultInstance()).getCustomersList(),
        Customer::getId,
        CUSTOMERS,
        DemoCustomer::id,
        customer ->
            admin.createCustomer(
                CreateCustomerRequest.newBuilder()
                    .setCustomer(
                        Customer.newBuilder()
                            .setId(customer.id())
                            .setName(customer.name())
                            .setPlan(customer.plan()))
                    .build()));
    for (AlertRule rule : List.of(paymentFailuresRule(), slowSearchRule())) {
      boolean exists =
          alerts
              .listAlertRules(
                  ListAlertRulesRequest.newBuilder().setService(rule.getService()).build())
              .getRulesList()
              .stream()
              .anyMatch(r -> r.getName().equals(rule.getName()));
      if (!exists) {
        alerts.createAlertRule(CreateAlertRuleRequest.newBuilder().setRule(rule).build());
      }
    }
  }

  /** Creates each of {@code wanted} whose id is not among the {@code existing} ones' ids. */
  private static <E, W> void createMissing(
      List<E> existing,
      Function<E, String> existingId,
      List<W> wanted,
      Function<W, String> wantedId,
      Consumer<W> create) {
    Set<String> ids = existing.stream().map(existingId).collect(Collectors.toSet());
    wanted.stream().filter(w -> !ids.contains(wantedId.apply(w))).forEach(create);
  }

  /** Every server error of the payments service, reported once a minute at most. */
  private static AlertRule paymentFailuresRule() {
    return AlertRule.newBuilder()
        .setName(PAYMENT_FAILURES)
        .setService(PAYMENTS)
        .setDescription(DESCRIPTION)
        .setSeverity(Severity.CRITICAL)
        .setEnabled(true)
        .setPerCall(
            PerCallCondition.newBuilder()
                .addClauses(
                    CallClause.newBuilder().setField("status_code").setOp(">=").setValue("500")))
        .setCooldown(Durations.fromSeconds(60))
        .build();
  }

  /** Search's p95 over a minute above 800 ms. */
  private static AlertRule slowSearchRule() {
    return AlertRule.newBuilder()
        .setName(SLOW_SEARCH)
        .setService(SEARCH)
        .setDescription(DESCRIPTION)
        .setSeverity(Severity.WARNING)
        .setEnabled(true)
        .setWindowed(
            WindowedCondition.newBuilder()
                .setAggregate(Aggregate.LATENCY_P95)
                .setComparison(Comparison.ABOVE)
                .setThreshold(800)
                .setWindow(Durations.fromSeconds(60))
                .setMinSamples(20))
        .build();
  }

  /** {@code https://shop.demo.invalid} for {@code demo-shop}: a name that never resolves. */
  static String baseUrl(String service) {
    return "https://" + service.substring("demo-".length()) + ".demo.invalid";
  }

  // Traffic

  /**
   * Sends the calls of the second that just ended; seconds missed while a batch hung are skipped.
   */
  private void sendLastSecond() {
    // A periodic task that throws is never run again: nothing may escape.
    try {
      Instant end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      if (!end.isAfter(covered)) {
        return;
      }
      covered = end;
      Instant second = end.minusSeconds(1);
      IngestResponse response =
          ingest.ingest(
              batch(second, outages.activeAt(second, random), slowSpells.activeAt(second, random)));
      if (failing) {
        logger.info("Demo traffic: sending again");
        failing = false;
      }
      if (response.getRejected() > 0 && !reportedRejections) {
        Rejection first = response.getRejections(0);
        logger.warn(
            "Demo traffic: {} calls of a batch were rejected, the first for {}: {}",
            response.getRejected(),
            first.getField(),
            first.getReason());
        reportedRejections = true;
      }
    } catch (RuntimeException e) {
      if (!failing) {
        logger.info("Demo traffic: a batch failed ({}); trying again every second", e.toString());
        failing = true;
      } else {
        logger.debug("Demo traffic: a batch failed again ({})", e.toString());
      }
    }
  }

  /** About {@code callsPerSecond} calls, at random times in the second from {@code second}. */
  private IngestRequest batch(Instant second, boolean outage, boolean slowSpell) {
    int count = Math.max(1, (int) Math.round(callsPerSecond * (0.9 + 0.2 * random.nextDouble())));
    IngestRequest.Builder batch =
        IngestRequest.newBuilder().setBatchId("demo-" + UUID.randomUUID());
    for (int i = 0; i < count; i++) {
      Instant at = second.plusNanos(random.nextLong(1_000_000_000L));
      batch.addCalls(call(at, outage, slowSpell));
    }
    return batch.build();
  }

  private ApiCall call(Instant at, boolean outage, boolean slowSpell) {
    DemoCustomer customer = pick(CUSTOMER_TICKETS);
    Route route = pick(ROUTE_TICKETS);
    Exchange exchange = exchange(route, customer);
    int status = status(route, customer, outage);
    // Groups of at most 12 digits: never taken for a card number and masked.
    String requestId = new UUID(random.nextLong(), random.nextLong()).toString();
    ApiCall.Builder call =
        ApiCall.newBuilder()
            .setTimestamp(Times.timestamp(at))
            .setService(route.service())
            .setMethod(route.method())
            .setUrl(baseUrl(route.service()) + exchange.target())
            .setRoute(route.template())
            .setStatusCode(status)
            .setLatencyMs(latencyMs(route, status, slowSpell))
            .putRequestHeaders("accept", "application/json")
            // The masker stores it as [masked].
            .putRequestHeaders("authorization", "Bearer demo-" + HEX.toHexDigits(random.nextLong()))
            .putRequestHeaders("user-agent", pick(USER_AGENTS))
            .putRequestHeaders("x-request-id", requestId)
            .putResponseHeaders("content-type", "application/json")
            .putResponseHeaders("x-request-id", requestId)
            .setResponseBody(status < 400 ? exchange.responseBody() : errorBody(status))
            .setSourceIp(customer.addressPrefix() + random.nextInt(10))
            .putTags("demo", "true")
            .putTags("region", customer.region())
            .putTags("version", random.nextDouble() < 0.8 ? "2.4.0" : "2.3.1")
            .setTraceId(HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong()))
            .setSpanId(HEX.toHexDigits(random.nextLong()))
            .setCustomerId(customer.id())
            .setApiKeyId(customer.id() + "-live")
            .setPlan(customer.plan());
    if (!exchange.requestBody().isEmpty()) {
      call.putRequestHeaders("content-type", "application/json")
          .setRequestBody(exchange.requestBody());
    }
    if (status == 429) {
      call.putResponseHeaders("retry-after", "1");
    }
    if (status >= 500) {
      call.setError(errorText(route, status));
    }
    return call.build();
  }

  private int status(Route route, DemoCustomer customer, boolean outage) {
    boolean payments = route.service().equals(PAYMENTS);
    if (outage && payments && random.nextDouble() < OUTAGE_FAILURE_SHARE) {
      return random.nextBoolean() ? 502 : 503;
    }
    double r = random.nextDouble();
    // Payments fail in outages only, so that their rule fires now and then, not all along.
    if (r < SERVER_ERROR_SHARE && !payments) {
      return pick(SERVER_ERRORS);
    }
    if (r < CLIENT_ERROR_SHARE) {
      return route.template().contains("{id}") && random.nextBoolean() ? 404 : pick(CLIENT_ERRORS);
    }
    if (customer.plan().equals("demo-free") && random.nextDouble() < FREE_PLAN_THROTTLED_SHARE) {
      return 429;
    }
    return route.okStatus();
  }

  private double latencyMs(Route route, int status, boolean slowSpell) {
    boolean payments = route.service().equals(PAYMENTS);
    double ms;
    if (status == 504 || (status == 502 && payments)) {
      ms = 3000 + 2000 * random.nextDouble(); // waited for an upstream that never answered
    } else if (status == 503 && payments) {
      ms = 2 + 8 * random.nextDouble(); // refused at once: the circuit breaker is open
    } else if (slowSpell
        && route.service().equals(SEARCH)
        && random.nextDouble() < SLOW_SPELL_SHARE) {
      ms = 900 + 2100 * random.nextDouble();
    } else if (random.nextDouble() < SLOW_TAIL_SHARE) {
      ms = 1000 + 800 * random.nextExponential();
    } else {
      ms = route.medianMs() * Math.exp(LATENCY_SIGMA * random.nextGaussian());
    }
    return Math.round(ms * 10) / 10.0;
  }

  private static String errorText(Route route, int status) {
    if (route.service().equals(PAYMENTS)) {
      return status == 502
          ? "acquirer gateway: connection reset by peer"
          : "acquirer gateway: circuit breaker open";
    }
    return switch (status) {
      case 500 -> "java.lang.IllegalStateException: connection pool exhausted";
      case 502 -> "upstream connect error or disconnect/reset before headers";
      case 503 -> "no healthy upstream";
      default -> "upstream request timeout";
    };
  }

  private static String errorBody(int status) {
    return json("{\"error\":{\"status\":%d,\"message\":\"%s\"}}", status, REASONS.get(status));
  }

  /** The path and query of a call, and its bodies when it succeeds. */
  private record Exchange(String target, String requestBody, String responseBody) {}

  /** The fields the demo's search extracts from its answers, for filters and drift to use. */
  private static List<FieldRule> fields(String service) {
    if (!service.equals(SEARCH)) {
      return List.of();
    }
    return List.of(
        FieldRule.newBuilder()
            .setName("search.total")
            .setType(FieldType.FIELD_TYPE_NUMBER)
            .setSource(FieldSource.FIELD_SOURCE_RESPONSE_BODY)
            .setPath("$.total")
            .build(),
        FieldRule.newBuilder()
            .setName("search.top_title")
            .setType(FieldType.FIELD_TYPE_STRING)
            .setSource(FieldSource.FIELD_SOURCE_RESPONSE_BODY)
            .setPath("$.hits[0].title")
            .build());
  }

  private Exchange exchange(Route route, DemoCustomer customer) {
    String currency = customer.currency();
    int product = 1000 + random.nextInt(9000);
    int amount = 500 + random.nextInt(19_500);
    String order = "ord_" + HEX.toHexDigits(random.nextInt());
    String payment = "pay_" + HEX.toHexDigits(random.nextInt());
    String query = pick(QUERIES);
    return switch (route.template()) {
      case "/v1/products" ->
          new Exchange(
              "/v1/products?category="
                  + pick(CATEGORIES)
                  + "&page="
                  + (1 + random.nextInt(5))
                  + "&currency="
                  + currency,
              "",
              json(
                  "{\"items\":[%s,%s,%s],\"total\":%d}",
                  product(product, currency),
                  product(product + 7, currency),
                  product(product + 13, currency),
                  20 + random.nextInt(300)));
      case "/v1/products/{id}" ->
          new Exchange(
              "/v1/products/" + product + "?currency=" + currency, "", product(product, currency));
      case "/v1/cart/items" ->
          new Exchange(
              "/v1/cart/items",
              json("{\"product_id\":%d,\"quantity\":%d}", product, 1 + random.nextInt(3)),
              json(
                  "{\"cart_id\":\"cart_%s\",\"items\":%d,\"subtotal\":%s}",
                  HEX.toHexDigits(random.nextInt()),
                  1 + random.nextInt(6),
                  money(amount, currency)));
      case "/v1/orders" ->
          new Exchange(
              "/v1/orders",
              json(
                  "{\"items\":[{\"product_id\":%d,\"quantity\":%d},"
                      + "{\"product_id\":%d,\"quantity\":1}],"
                      + "\"shipping\":{\"country\":\"%s\",\"postcode\":\"%05d\"}}",
                  product,
                  1 + random.nextInt(3),
                  product + 17,
                  currency.equals("EUR") ? "DE" : "US",
                  random.nextInt(100_000)),
              json(
                  "{\"id\":\"%s\",\"status\":\"confirmed\",\"total\":%s}",
                  order, money(amount, currency)));
      case "/v1/orders/{id}" ->
          new Exchange(
              "/v1/orders/" + order,
              "",
              json(
                  "{\"id\":\"%s\",\"status\":\"%s\",\"items\":%d,\"total\":%s}",
                  order, pick(ORDER_STATUSES), 1 + random.nextInt(4), money(amount, currency)));
      case "/v1/payments" ->
          new Exchange(
              "/v1/payments",
              // The masker stores the card number and the cvv as [masked].
              json(
                  "{\"order_id\":\"%s\",\"amount\":%d,\"currency\":\"%s\",\"card_number\":\"%s\","
                      + "\"expiry\":\"12/29\",\"cvv\":\"123\"}",
                  order, amount, currency, TEST_CARD),
              json(
                  "{\"id\":\"%s\",\"status\":\"authorized\",\"amount\":%d,\"currency\":\"%s\","
                      + "\"card_last4\":\"1111\"}",
                  payment, amount, currency));
      case "/v1/payments/{id}" ->
          new Exchange(
              "/v1/payments/" + payment,
              "",
              json(
                  "{\"id\":\"%s\",\"status\":\"captured\",\"amount\":%d,\"currency\":\"%s\"}",
                  payment, amount, currency));
      case "/v1/payments/{id}/capture" ->
          new Exchange(
              "/v1/payments/" + payment + "/capture",
              json("{\"amount\":%d}", amount),
              json("{\"id\":\"%s\",\"status\":\"captured\"}", payment));
      case "/v1/refunds" ->
          new Exchange(
              "/v1/refunds",
              json(
                  "{\"payment_id\":\"%s\",\"amount\":%d,\"reason\":\"%s\"}",
                  payment, amount, pick(REFUND_REASONS)),
              json("{\"id\":\"re_%s\",\"status\":\"pending\"}", HEX.toHexDigits(random.nextInt())));
      case "/v1/search" ->
          new Exchange(
              "/v1/search?q=" + encode(query) + "&page=1&limit=20",
              "",
              json(
                  "{\"query\":\"%s\",\"total\":%d,\"hits\":[{\"id\":%d,\"title\":\"%s\","
                      + "\"score\":0.93},{\"id\":%d,\"title\":\"%s\",\"score\":0.71}]}",
                  query,
                  2 + random.nextInt(500),
                  product,
                  pick(PRODUCTS),
                  product + 3,
                  pick(PRODUCTS)));
      case "/v1/suggest" ->
          new Exchange(
              "/v1/suggest?q=" + encode(query.substring(0, 2 + random.nextInt(4))),
              "",
              json("{\"suggestions\":[\"%s\",\"%s\"]}", query, pick(QUERIES)));
      case "/v1/search/facets" ->
          new Exchange(
              "/v1/search/facets?q=" + encode(query),
              "",
              json(
                  "{\"facets\":{\"brand\":[{\"value\":\"Northwind\",\"count\":%d},"
                      + "{\"value\":\"Contoso\",\"count\":%d}],\"in_stock\":%d}}",
                  random.nextInt(100), random.nextInt(100), random.nextInt(200)));
      case "/v1/trending" ->
          new Exchange(
              "/v1/trending?limit=3",
              "",
              json(
                  "{\"trending\":[\"%s\",\"%s\",\"%s\"]}",
                  pick(QUERIES), pick(QUERIES), pick(QUERIES)));
      default -> throw new IllegalStateException("No exchange for route " + route.template());
    };
  }

  private String product(int id, String currency) {
    return json(
        "{\"id\":%d,\"name\":\"%s\",\"price\":%s}",
        id, pick(PRODUCTS), money(500 + random.nextInt(19_500), currency));
  }

  private static String money(int amount, String currency) {
    return json("{\"amount\":%d,\"currency\":\"%s\"}", amount, currency);
  }

  /** Formatted with ASCII digits whatever the default locale. */
  private static String json(String template, Object... values) {
    return String.format(Locale.ROOT, template, values);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private <T> T pick(List<T> items) {
    return items.get(random.nextInt(items.size()));
  }

  private static <T> List<T> byWeight(List<T> items, ToIntFunction<T> weight) {
    List<T> tickets = new ArrayList<>();
    for (T item : items) {
      for (int i = 0; i < weight.applyAsInt(item); i++) {
        tickets.add(item);
      }
    }
    return List.copyOf(tickets);
  }

  /**
   * Trouble that comes back: the first time at {@code start}, for {@code length}, then again after
   * a random pause between {@code minPause} and {@code maxPause} each time it ends.
   */
  private static final class Episodes {

    private final Duration length;
    private final Duration minPause;
    private final Duration maxPause;
    private Instant start;

    Episodes(Instant start, Duration length, Duration minPause, Duration maxPause) {
      this.start = start;
      this.length = length;
      this.minPause = minPause;
      this.maxPause = maxPause;
    }

    /** Whether the trouble is on at {@code t}; asked with times that never go back. */
    boolean activeAt(Instant t, RandomGenerator random) {
      while (!t.isBefore(start.plus(length))) {
        long pause = random.nextLong(minPause.toMillis(), maxPause.toMillis() + 1);
        start = start.plus(length).plusMillis(pause);
      }
      return !t.isBefore(start);
    }
  }
}
