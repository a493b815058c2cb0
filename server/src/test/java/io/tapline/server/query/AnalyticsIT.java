package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.BreakdownGroup;
import io.tapline.proto.v1.BreakdownSort;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CallMetrics;
import io.tapline.proto.v1.Dimension;
import io.tapline.proto.v1.GetBreakdownRequest;
import io.tapline.proto.v1.GetBreakdownResponse;
import io.tapline.proto.v1.GetCallRequest;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.GetMetricsResponse;
import io.tapline.proto.v1.GetTimeSeriesRequest;
import io.tapline.proto.v1.GetTimeSeriesResponse;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.SearchCallsResponse;
import io.tapline.proto.v1.SearchOrder;
import io.tapline.proto.v1.StatusClass;
import io.tapline.proto.v1.TimeSeries;
import io.tapline.server.testing.TestTapline;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every analytics query against the real engine, on a generated data set whose answers this test
 * computes on its own: weighted counts, error rates, nearest-rank quantiles within the documented
 * bound, breakdowns with "other", filled time series, filters, orders, pages and scope.
 */
class AnalyticsIT {

  // The data set covers the current hour, so calls up to an hour ahead must be accepted.
  @RegisterExtension
  static final TestTapline tapline = new TestTapline().withFlags("--ingest.max-future=2h");

  /** Four whole hours, the first starting three hours ago (hour-aligned). */
  static final Instant BASE =
      Instant.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);

  static final String[] METHODS = {"GET", "GET", "POST", "PUT"};
  static final String[] ROUTES = {"/v1/orders/{id}", "/v1/orders", "/v1/search", "/v1/users/{id}"};
  static final int[] STATUSES = {200, 200, 200, 201, 204, 400, 404, 429, 500, 503};
  static final String[] CUSTOMERS = {"acme", "globex", "initech", "umbrella", "hooli"};
  static final Map<String, String> PLANS =
      Map.of(
          "acme",
          "enterprise",
          "globex",
          "pro",
          "initech",
          "free",
          "umbrella",
          "free",
          "hooli",
          "pro");

  static final List<ApiCall> shop = new ArrayList<>();
  static final List<ApiCall> other = new ArrayList<>();
  static QueryServiceGrpc.QueryServiceBlockingStub query;

  @BeforeAll
  static void load() {
    Random random = new Random(42);
    for (int i = 0; i < 700; i++) {
      // Hours 0, 1 and 3 get calls; hour 2 stays empty so the series must fill it.
      int hour = new int[] {0, 1, 3}[i % 3];
      shop.add(call("shop", "s-" + i, hour, random));
    }
    for (int i = 0; i < 80; i++) {
      other.add(call("other", "o-" + i, i % 2, random));
    }
    var ingest = IngestServiceGrpc.newBlockingStub(tapline.channel());
    List<ApiCall> all = new ArrayList<>(shop);
    all.addAll(other);
    for (int from = 0; from < all.size(); from += 250) {
      var batch = all.subList(from, Math.min(all.size(), from + 250));
      assertThat(ingest.ingest(IngestRequest.newBuilder().addAllCalls(batch).build()).getAccepted())
          .isEqualTo(batch.size());
    }
    query = QueryServiceGrpc.newBlockingStub(tapline.channel());
  }

  static ApiCall call(String service, String id, int hour, Random random) {
    String route = ROUTES[random.nextInt(ROUTES.length)];
    int status = STATUSES[random.nextInt(STATUSES.length)];
    String customer = CUSTOMERS[random.nextInt(CUSTOMERS.length)];
    // Log-normal latencies in whole microseconds, from 0.1 ms to several seconds.
    long micros = Math.max(100, Math.round(Math.exp(10 + 1.2 * random.nextGaussian())));
    Instant at = BASE.plus(hour, ChronoUnit.HOURS).plusMillis(random.nextInt(3_600_000));
    String path = route.replace("{id}", Integer.toString(random.nextInt(1000)));
    ApiCall.Builder call =
        ApiCall.newBuilder()
            .setId(id)
            .setTimestamp(
                Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
            .setService(service)
            .setMethod(METHODS[random.nextInt(METHODS.length)])
            .setUrl("https://api.example.com" + path + "?q=" + random.nextInt(50))
            .setRoute(route)
            .setStatusCode(status)
            .setLatencyMs(micros / 1000.0)
            .setSourceIp("10.0.0." + random.nextInt(4))
            .putTags("region", random.nextBoolean() ? "eu" : "us")
            .setCustomerId(customer)
            .setPlan(PLANS.get(customer))
            .setApiKeyId("key-" + customer)
            // 37 traces, each spanning calls of both services.
            .setTraceId("%032x".formatted(Math.floorMod(id.hashCode(), 37)))
            .setRequestBody(random.nextInt(10) == 0 ? "{\"needle\":\"" + id + "\"}" : "{}")
            // Searches are sampled: each recorded one stands for four.
            .setSampleRate(route.equals("/v1/search") ? 0.25 : random.nextInt(5) == 0 ? 0.5 : 1);
    if (random.nextInt(20) == 0) {
      call.setError("connection reset");
    }
    return call.build();
  }

  // ---- independent answers ----

  static double weight(ApiCall c) {
    return 1 / c.getSampleRate();
  }

  static boolean isError(ApiCall c) {
    return c.getStatusCode() >= 500 || !c.getError().isEmpty();
  }

  static long micros(ApiCall c) {
    return Math.round(c.getLatencyMs() * 1000);
  }

  /**
   * Nearest-rank weighted quantile: the smallest latency whose cumulative weight reaches level *
   * total.
   */
  static double exactQuantileMs(List<ApiCall> calls, double level) {
    List<ApiCall> sorted = new ArrayList<>(calls);
    sorted.sort(Comparator.comparingLong(AnalyticsIT::micros));
    long total = sorted.stream().mapToLong(c -> Math.round(1000 * weight(c))).sum();
    double threshold = Math.ceil(total * level);
    long cumulative = 0;
    for (ApiCall c : sorted) {
      cumulative += Math.round(1000 * weight(c));
      if (cumulative >= threshold) {
        return micros(c) / 1000.0;
      }
    }
    return micros(sorted.getLast()) / 1000.0;
  }

  /** The documented bound: 0.5 % of (1 + latency in microseconds), plus a microsecond. */
  static void assertQuantile(double actualMs, double exactMs) {
    double exactMicros = exactMs * 1000;
    double bound = 0.00502 * (1 + exactMicros) + 1;
    assertThat(actualMs * 1000).isCloseTo(exactMicros, within(bound));
  }

  static void assertMetrics(CallMetrics actual, List<ApiCall> calls) {
    double count = calls.stream().mapToDouble(AnalyticsIT::weight).sum();
    double errors =
        calls.stream().filter(AnalyticsIT::isError).mapToDouble(AnalyticsIT::weight).sum();
    double latency = calls.stream().mapToDouble(c -> micros(c) * weight(c)).sum();
    assertThat(actual.getCount()).isEqualTo(Math.round(count));
    assertThat(actual.getErrors()).isEqualTo(Math.round(errors));
    assertThat(actual.getRecorded()).isEqualTo(calls.size());
    assertThat(actual.getErrorRate()).isCloseTo(errors / count, within(1e-9));
    assertThat(actual.getAvgLatencyMs()).isCloseTo(latency / count / 1000, within(1e-6));
    assertThat(actual.getMinLatencyMs())
        .isEqualTo(calls.stream().mapToLong(AnalyticsIT::micros).min().orElseThrow() / 1000.0);
    assertThat(actual.getMaxLatencyMs())
        .isEqualTo(calls.stream().mapToLong(AnalyticsIT::micros).max().orElseThrow() / 1000.0);
    assertQuantile(actual.getP50LatencyMs(), exactQuantileMs(calls, 0.5));
    assertQuantile(actual.getP90LatencyMs(), exactQuantileMs(calls, 0.9));
    assertQuantile(actual.getP95LatencyMs(), exactQuantileMs(calls, 0.95));
    assertQuantile(actual.getP99LatencyMs(), exactQuantileMs(calls, 0.99));
  }

  static CallFilter.Builder window() {
    return CallFilter.newBuilder()
        .setStartTime(Timestamp.newBuilder().setSeconds(BASE.getEpochSecond()))
        .setEndTime(
            Timestamp.newBuilder().setSeconds(BASE.plus(4, ChronoUnit.HOURS).getEpochSecond()));
  }

  static <K> Map<K, Long> weightedCounts(List<ApiCall> calls, Function<ApiCall, K> key) {
    Map<K, Double> sums = new java.util.HashMap<>();
    calls.forEach(c -> sums.merge(key.apply(c), weight(c), Double::sum));
    Map<K, Long> rounded = new LinkedHashMap<>();
    sums.forEach((k, v) -> rounded.put(k, Math.round(v)));
    return rounded;
  }

  // ---- GetMetrics ----

  @Test
  void metricsMatchIndependentlyComputedFigures() {
    GetMetricsResponse response =
        query.getMetrics(
            GetMetricsRequest.newBuilder()
                .setFilter(window().setService("shop"))
                .addQuantiles(0.999)
                .addQuantiles(0.25)
                .build());

    assertMetrics(response.getMetrics(), shop);
    assertThat(response.getMetrics().getQuantilesList()).hasSize(2);
    assertQuantile(
        response.getMetrics().getQuantiles(0).getLatencyMs(), exactQuantileMs(shop, 0.999));
    assertQuantile(
        response.getMetrics().getQuantiles(1).getLatencyMs(), exactQuantileMs(shop, 0.25));
    assertThat(response.getCountByMethodMap()).isEqualTo(weightedCounts(shop, ApiCall::getMethod));
    assertThat(response.getCountByStatusMap())
        .isEqualTo(weightedCounts(shop, c -> Integer.toString(c.getStatusCode())));
    assertThat(response.getCountByStatusClassMap())
        .isEqualTo(weightedCounts(shop, c -> c.getStatusCode() / 100 + "xx"));
  }

  @Test
  void metricsOfAFilteredSubsetAndOfNothing() {
    List<ApiCall> expected =
        shop.stream()
            .filter(c -> c.getCustomerId().equals("acme") && c.getStatusCode() >= 400)
            .toList();
    CallMetrics metrics =
        query
            .getMetrics(
                GetMetricsRequest.newBuilder()
                    .setFilter(
                        window()
                            .setService("shop")
                            .setCustomerId("acme")
                            .addStatusClasses(StatusClass.STATUS_CLASS_4XX)
                            .addStatusClasses(StatusClass.STATUS_CLASS_5XX))
                    .build())
            .getMetrics();
    assertMetrics(metrics, expected);

    GetMetricsResponse none =
        query.getMetrics(
            GetMetricsRequest.newBuilder()
                .setFilter(window().setService("no-such-service"))
                .build());
    assertThat(none.getMetrics()).isEqualTo(CallMetrics.getDefaultInstance());
  }

  @Test
  void withoutStartTimeTheDefaultWindowIsTheLastDay() {
    GetMetricsResponse response =
        query.getMetrics(
            GetMetricsRequest.newBuilder()
                .setFilter(CallFilter.newBuilder().setService("shop"))
                .build());
    Instant start =
        Instant.ofEpochSecond(
            response.getStartTime().getSeconds(), response.getStartTime().getNanos());
    Instant end =
        Instant.ofEpochSecond(response.getEndTime().getSeconds(), response.getEndTime().getNanos());
    assertThat(java.time.Duration.between(start, end)).isEqualTo(java.time.Duration.ofHours(24));
    // Calls of the current hour may lie after the window's end (now), to the microsecond.
    List<ApiCall> inWindow =
        shop.stream()
            .filter(
                c ->
                    Instant.ofEpochSecond(
                            c.getTimestamp().getSeconds(), c.getTimestamp().getNanos())
                        .isBefore(end))
            .toList();
    assertThat(response.getMetrics().getRecorded()).isEqualTo(inWindow.size());
  }

  // ---- GetBreakdown ----

  @Test
  void breakdownByPlanHasSharesAndAnOtherRowWithItsOwnQuantiles() {
    GetBreakdownResponse response =
        query.getBreakdown(
            GetBreakdownRequest.newBuilder()
                .setFilter(window().setService("shop"))
                .addDimensions(Dimension.DIMENSION_CUSTOMER)
                .setLimit(2)
                .build());

    Map<String, Double> byCustomer = new TreeMap<>();
    shop.forEach(c -> byCustomer.merge(c.getCustomerId(), weight(c), Double::sum));
    List<String> ranked =
        byCustomer.entrySet().stream()
            .sorted(
                Map.Entry.<String, Double>comparingByValue()
                    .reversed()
                    .thenComparing(Map.Entry.comparingByKey()))
            .map(Map.Entry::getKey)
            .toList();
    double total = byCustomer.values().stream().mapToDouble(Double::doubleValue).sum();

    assertThat(response.getTotalCount()).isEqualTo(Math.round(total));
    assertThat(response.getGroupsList()).hasSize(3);
    for (int i = 0; i < 2; i++) {
      BreakdownGroup group = response.getGroups(i);
      String customer = ranked.get(i);
      assertThat(group.getValuesList()).containsExactly(customer);
      assertThat(group.getOther()).isFalse();
      assertMetrics(
          group.getMetrics(),
          shop.stream().filter(c -> c.getCustomerId().equals(customer)).toList());
      assertThat(group.getShare()).isCloseTo(byCustomer.get(customer) / total, within(1e-9));
    }
    BreakdownGroup rest = response.getGroups(2);
    assertThat(rest.getOther()).isTrue();
    assertThat(rest.getValuesList()).isEmpty();
    assertMetrics(
        rest.getMetrics(),
        shop.stream().filter(c -> !ranked.subList(0, 2).contains(c.getCustomerId())).toList());
  }

  @Test
  void breakdownByTwoDimensionsCoversEveryCombination() {
    GetBreakdownResponse response =
        query.getBreakdown(
            GetBreakdownRequest.newBuilder()
                .setFilter(window().setService("shop"))
                .addDimensions(Dimension.DIMENSION_PLAN)
                .addDimensions(Dimension.DIMENSION_STATUS_CLASS)
                .setLimit(100)
                .build());
    Map<List<String>, Long> expected =
        weightedCounts(shop, c -> List.of(c.getPlan(), c.getStatusCode() / 100 + "xx"));
    Map<List<String>, Long> actual = new java.util.HashMap<>();
    response.getGroupsList().forEach(g -> actual.put(g.getValuesList(), g.getMetrics().getCount()));
    assertThat(actual).isEqualTo(expected);
    assertThat(response.getGroupsList()).noneMatch(BreakdownGroup::getOther);
    List<Long> counts =
        response.getGroupsList().stream().map(g -> g.getMetrics().getCount()).toList();
    assertThat(counts).isSortedAccordingTo(Comparator.reverseOrder());
  }

  @Test
  void breakdownSortedByErrorRateAndByQuantile() {
    GetBreakdownResponse byRate =
        query.getBreakdown(
            GetBreakdownRequest.newBuilder()
                .setFilter(window().setService("shop"))
                .addDimensions(Dimension.DIMENSION_ROUTE)
                .setSort(BreakdownSort.BREAKDOWN_SORT_ERROR_RATE)
                .build());
    List<String> expectedByRate =
        groupBy(shop, ApiCall::getRoute).entrySet().stream()
            .sorted(
                Comparator.comparingDouble(
                        (Map.Entry<String, List<ApiCall>> e) -> errorRate(e.getValue()))
                    .reversed())
            .map(Map.Entry::getKey)
            .toList();
    assertThat(byRate.getGroupsList())
        .extracting(g -> g.getValues(0))
        .containsExactlyElementsOf(expectedByRate);

    GetBreakdownResponse byP95 =
        query.getBreakdown(
            GetBreakdownRequest.newBuilder()
                .setFilter(window().setService("shop"))
                .addDimensions(Dimension.DIMENSION_TAG)
                .setTagKey("region")
                .setSort(BreakdownSort.BREAKDOWN_SORT_LATENCY_QUANTILE)
                .setSortQuantile(0.95)
                .build());
    List<String> expectedByP95 =
        groupBy(shop, c -> c.getTagsOrThrow("region")).entrySet().stream()
            .sorted(
                Comparator.comparingDouble(
                        (Map.Entry<String, List<ApiCall>> e) -> exactQuantileMs(e.getValue(), 0.95))
                    .reversed())
            .map(Map.Entry::getKey)
            .toList();
    assertThat(byP95.getGroupsList())
        .extracting(g -> g.getValues(0))
        .containsExactlyElementsOf(expectedByP95);
  }

  static <K> Map<K, List<ApiCall>> groupBy(List<ApiCall> calls, Function<ApiCall, K> key) {
    return calls.stream().collect(Collectors.groupingBy(key, TreeMap::new, Collectors.toList()));
  }

  static double errorRate(List<ApiCall> calls) {
    return calls.stream().filter(AnalyticsIT::isError).mapToDouble(AnalyticsIT::weight).sum()
        / calls.stream().mapToDouble(AnalyticsIT::weight).sum();
  }

  // ---- GetTimeSeries ----

  @Test
  void hourlySeriesFillsTheEmptyHour() {
    GetTimeSeriesResponse response =
        query.getTimeSeries(
            GetTimeSeriesRequest.newBuilder()
                .setFilter(window().setService("shop"))
                .setBucketSeconds(3600)
                .build());
    assertThat(response.getSeriesList()).hasSize(1);
    TimeSeries series = response.getSeries(0);
    assertThat(series.getBucketsList()).hasSize(4);
    for (int hour = 0; hour < 4; hour++) {
      int h = hour;
      assertThat(series.getBuckets(hour).getStartTime().getSeconds())
          .isEqualTo(BASE.plus(hour, ChronoUnit.HOURS).getEpochSecond());
      List<ApiCall> inHour = shop.stream().filter(c -> hourOf(c) == h).toList();
      if (inHour.isEmpty()) {
        assertThat(series.getBuckets(hour).getMetrics())
            .isEqualTo(CallMetrics.getDefaultInstance());
      } else {
        assertMetrics(series.getBuckets(hour).getMetrics(), inHour);
      }
    }
    assertThat(series.getBuckets(2).getMetrics().getCount()).isZero();
  }

  @Test
  void seriesSplitByMethodKeepsTheTopAndMergesTheRest() {
    GetTimeSeriesResponse response =
        query.getTimeSeries(
            GetTimeSeriesRequest.newBuilder()
                .setFilter(window().setService("shop"))
                .setSplitBy(Dimension.DIMENSION_METHOD)
                .setSeriesLimit(1)
                .build());
    // Four hours in at most 500 buckets: 30-second buckets.
    assertThat(response.getBucketSeconds()).isEqualTo(30);
    assertThat(response.getSeriesList())
        .extracting(TimeSeries::getValue)
        .containsExactly("GET", "");
    assertThat(response.getSeries(1).getOther()).isTrue();
    long getCount =
        response.getSeries(0).getBucketsList().stream()
            .mapToLong(b -> b.getMetrics().getRecorded())
            .sum();
    long restCount =
        response.getSeries(1).getBucketsList().stream()
            .mapToLong(b -> b.getMetrics().getRecorded())
            .sum();
    assertThat(getCount).isEqualTo(shop.stream().filter(c -> c.getMethod().equals("GET")).count());
    assertThat(restCount)
        .isEqualTo(shop.stream().filter(c -> !c.getMethod().equals("GET")).count());
    assertThat(response.getSeries(0).getBucketsCount()).isEqualTo(480);
  }

  static int hourOf(ApiCall c) {
    return (int) ((c.getTimestamp().getSeconds() - BASE.getEpochSecond()) / 3600);
  }

  // ---- SearchCalls ----

  static List<ApiCall> searchAll(CallFilter.Builder filter, SearchOrder order, int pageSize) {
    List<ApiCall> found = new ArrayList<>();
    String token = "";
    do {
      SearchCallsResponse page =
          query.searchCalls(
              SearchCallsRequest.newBuilder()
                  .setFilter(filter)
                  .setOrder(order)
                  .setPageSize(pageSize)
                  .setPageToken(token)
                  .build());
      found.addAll(page.getCallsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return found;
  }

  static List<String> ids(List<ApiCall> calls) {
    return calls.stream().map(ApiCall::getId).toList();
  }

  static Comparator<ApiCall> newestFirst() {
    return Comparator.comparing((ApiCall c) -> c.getTimestamp().getSeconds())
        .thenComparing(c -> c.getTimestamp().getNanos())
        .thenComparing(ApiCall::getId)
        .reversed();
  }

  @Test
  void everyFilterSelectsWhatItSays() {
    Map<CallFilter.Builder, Predicate<ApiCall>> cases = new LinkedHashMap<>();
    cases.put(window().setPathPrefix("/v1/orders/"), c -> c.getUrl().contains("/v1/orders/"));
    cases.put(window().setPathContains("users"), c -> c.getRoute().startsWith("/v1/users"));
    cases.put(window().setHasError(true), AnalyticsIT::isError);
    cases.put(window().setHasError(false), c -> !isError(c));
    cases.put(
        window().setMinLatencyMs(50).setMaxLatencyMs(80),
        c -> c.getLatencyMs() >= 50 && c.getLatencyMs() <= 80);
    cases.put(
        window().putTags("region", "eu").setMethod("POST"),
        c -> c.getTagsOrThrow("region").equals("eu") && c.getMethod().equals("POST"));
    cases.put(
        window().setPlan("pro").setStatusCode(404),
        c -> c.getPlan().equals("pro") && c.getStatusCode() == 404);
    cases.put(
        window().setSourceIp("10.0.0.2").setApiKeyId("key-acme"),
        c -> c.getSourceIp().equals("10.0.0.2") && c.getCustomerId().equals("acme"));
    cases.put(
        window().setText("needle\":\"s-1"), c -> c.getRequestBody().contains("needle\":\"s-1"));
    cases.put(
        window().setText("?q=7").setRoute("/v1/search"),
        c -> c.getUrl().endsWith("?q=7") && c.getRoute().equals("/v1/search"));
    cases.put(window().setText("50%_"), c -> false);
    String trace = "%032x".formatted(5);
    cases.put(window().setTraceId(trace), c -> c.getTraceId().equals(trace));
    List<ApiCall> all = new ArrayList<>(shop);
    all.addAll(other);
    cases.forEach(
        (filter, predicate) -> {
          List<String> expected =
              ids(all.stream().filter(predicate).sorted(newestFirst()).toList());
          // The paging test adds calls of service "live" concurrently; they are not part of this
          // set.
          List<ApiCall> found =
              searchAll(filter, SearchOrder.SEARCH_ORDER_NEWEST_FIRST, 1000).stream()
                  .filter(c -> !c.getService().equals("live"))
                  .toList();
          assertThat(ids(found)).as("filter %s", filter).containsExactlyElementsOf(expected);
        });
  }

  @Test
  void ordersAndPagesCoverEveryCallOnce() {
    CallFilter.Builder filter = window().setService("shop");
    assertThat(ids(searchAll(filter, SearchOrder.SEARCH_ORDER_NEWEST_FIRST, 37)))
        .containsExactlyElementsOf(ids(shop.stream().sorted(newestFirst()).toList()));
    assertThat(ids(searchAll(filter, SearchOrder.SEARCH_ORDER_OLDEST_FIRST, 41)))
        .containsExactlyElementsOf(ids(shop.stream().sorted(newestFirst().reversed()).toList()));
    Comparator<ApiCall> slowest =
        Comparator.comparingLong(AnalyticsIT::micros).reversed().thenComparing(newestFirst());
    assertThat(ids(searchAll(filter, SearchOrder.SEARCH_ORDER_SLOWEST_FIRST, 29)))
        .containsExactlyElementsOf(ids(shop.stream().sorted(slowest).toList()));
  }

  @Test
  void pagesStayCorrectWhileNewCallsArrive() {
    var ingest = IngestServiceGrpc.newBlockingStub(tapline.channel());
    List<ApiCall> before = new ArrayList<>();
    Random random = new Random(7);
    for (int i = 0; i < 60; i++) {
      ApiCall c = call("live", "live-" + i, 0, random);
      before.add(c);
    }
    ingest.ingest(IngestRequest.newBuilder().addAllCalls(before).build());

    CallFilter.Builder filter = CallFilter.newBuilder().setService("live");
    List<ApiCall> seen = new ArrayList<>();
    String token = "";
    int arriving = 0;
    do {
      SearchCallsResponse page =
          query.searchCalls(
              SearchCallsRequest.newBuilder()
                  .setFilter(filter)
                  .setPageSize(7)
                  .setPageToken(token)
                  .build());
      seen.addAll(page.getCallsList());
      token = page.getNextPageToken();
      // New calls, newer than anything already listed, arrive between pages.
      Instant now = Instant.now();
      ingest.ingest(
          IngestRequest.newBuilder()
              .addCalls(
                  call("live", "new-" + arriving++, 0, random).toBuilder()
                      .setTimestamp(
                          Timestamp.newBuilder()
                              .setSeconds(now.getEpochSecond())
                              .setNanos(now.getNano())))
              .build());
    } while (!token.isEmpty());

    assertThat(ids(seen))
        .doesNotHaveDuplicates()
        .containsExactlyElementsOf(ids(before.stream().sorted(newestFirst()).toList()));
  }

  // ---- scope ----

  static String readKeyFor(String service) {
    return tapline.newKey(Set.of("read"), service);
  }

  @Test
  void aKeyBoundToOneServiceSeesOnlyThatService() {
    String key = readKeyFor("other");
    var scoped = QueryServiceGrpc.newBlockingStub(tapline.channel(key));

    assertThat(
            scoped
                .getMetrics(GetMetricsRequest.newBuilder().setFilter(window()).build())
                .getMetrics()
                .getRecorded())
        .isEqualTo(other.size());
    assertThat(
            scoped
                .getMetrics(
                    GetMetricsRequest.newBuilder().setFilter(window().setService("other")).build())
                .getMetrics()
                .getRecorded())
        .isEqualTo(other.size());
    assertThat(ids(searchAllWith(scoped, window())))
        .containsExactlyInAnyOrderElementsOf(ids(other));
    assertThat(
            scoped
                .getBreakdown(
                    GetBreakdownRequest.newBuilder()
                        .setFilter(window())
                        .addDimensions(Dimension.DIMENSION_SERVICE)
                        .build())
                .getGroupsList())
        .extracting(g -> g.getValues(0))
        .containsExactly("other");
    assertThat(
            scoped
                .getTimeSeries(GetTimeSeriesRequest.newBuilder().setFilter(window()).build())
                .getSeries(0)
                .getBucketsList()
                .stream()
                .mapToLong(b -> b.getMetrics().getRecorded())
                .sum())
        .isEqualTo(other.size());

    List<Runnable> forbidden =
        List.of(
            () ->
                scoped.getMetrics(
                    GetMetricsRequest.newBuilder().setFilter(window().setService("shop")).build()),
            () ->
                scoped.searchCalls(
                    SearchCallsRequest.newBuilder().setFilter(window().setService("shop")).build()),
            () ->
                scoped.getBreakdown(
                    GetBreakdownRequest.newBuilder()
                        .setFilter(window().setService("shop"))
                        .addDimensions(Dimension.DIMENSION_ROUTE)
                        .build()),
            () ->
                scoped.getTimeSeries(
                    GetTimeSeriesRequest.newBuilder()
                        .setFilter(window().setService("shop"))
                        .build()));
    for (Runnable call : forbidden) {
      assertThatThrownBy(call::run)
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }
    assertThatThrownBy(() -> scoped.getCall(GetCallRequest.newBuilder().setId("s-1").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(scoped.getCall(GetCallRequest.newBuilder().setId("o-1").build()).getService())
        .isEqualTo("other");

    AggregatedHttpResponse json =
        tapline
            .http(key)
            .execute(
                HttpRequest.of(
                    HttpMethod.POST,
                    "/v1/calls:metrics",
                    MediaType.JSON,
                    "{\"filter\":{\"service\":\"shop\"}}"))
            .aggregate()
            .join();
    assertThat(json.status().code()).isEqualTo(403);
  }

  static List<ApiCall> searchAllWith(
      QueryServiceGrpc.QueryServiceBlockingStub stub, CallFilter.Builder filter) {
    return stub.searchCalls(
            SearchCallsRequest.newBuilder().setFilter(filter).setPageSize(1000).build())
        .getCallsList();
  }

  // ---- bad requests and JSON ----

  static String fieldOf(Runnable call) {
    try {
      call.run();
      return "OK";
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      return e.getStatus().getDescription().split(":")[0];
    }
  }

  @Test
  void badRequestsNameTheField() {
    Timestamp t = Timestamp.newBuilder().setSeconds(BASE.getEpochSecond()).build();
    assertThat(
            fieldOf(
                () ->
                    query.getMetrics(
                        GetMetricsRequest.newBuilder()
                            .setFilter(CallFilter.newBuilder().setStartTime(t).setEndTime(t))
                            .build())))
        .isEqualTo("filter.end_time");
    assertThat(
            fieldOf(
                () -> query.getMetrics(GetMetricsRequest.newBuilder().addQuantiles(1.5).build())))
        .isEqualTo("quantiles");
    assertThat(
            fieldOf(
                () ->
                    query.getBreakdown(
                        GetBreakdownRequest.newBuilder().addDimensionsValue(99).build())))
        .isEqualTo("dimensions");
    assertThat(fieldOf(() -> query.getBreakdown(GetBreakdownRequest.newBuilder().build())))
        .isEqualTo("dimensions");
    assertThat(
            fieldOf(
                () ->
                    query.getBreakdown(
                        GetBreakdownRequest.newBuilder()
                            .addDimensions(Dimension.DIMENSION_TAG)
                            .build())))
        .isEqualTo("tag_key");
    assertThat(
            fieldOf(
                () ->
                    query.getBreakdown(
                        GetBreakdownRequest.newBuilder()
                            .addDimensions(Dimension.DIMENSION_ROUTE)
                            .setSortValue(42)
                            .build())))
        .isEqualTo("sort");
    assertThat(
            fieldOf(
                () ->
                    query.getTimeSeries(
                        GetTimeSeriesRequest.newBuilder()
                            .setFilter(window())
                            .setBucketSeconds(1)
                            .build())))
        .isEqualTo("bucket_seconds");
    assertThat(
            fieldOf(
                () ->
                    query.searchCalls(
                        SearchCallsRequest.newBuilder().setPageToken("nonsense").build())))
        .isEqualTo("page_token");
    assertThat(
            fieldOf(
                () -> query.searchCalls(SearchCallsRequest.newBuilder().setOrderValue(9).build())))
        .isEqualTo("order");
    assertThat(
            fieldOf(
                () ->
                    query.searchCalls(
                        SearchCallsRequest.newBuilder()
                            .setFilter(CallFilter.newBuilder().addStatusClassesValue(7))
                            .build())))
        .isEqualTo("filter.status_classes");
    assertThat(
            fieldOf(
                () ->
                    query.searchCalls(
                        SearchCallsRequest.newBuilder()
                            .setFilter(
                                CallFilter.newBuilder().setMinLatencyMs(10).setMaxLatencyMs(5))
                            .build())))
        .isEqualTo("filter.max_latency_ms");
    String newestToken =
        query
            .searchCalls(
                SearchCallsRequest.newBuilder()
                    .setFilter(window().setService("shop"))
                    .setPageSize(1)
                    .build())
            .getNextPageToken();
    assertThat(
            fieldOf(
                () ->
                    query.searchCalls(
                        SearchCallsRequest.newBuilder()
                            .setOrder(SearchOrder.SEARCH_ORDER_SLOWEST_FIRST)
                            .setPageToken(newestToken)
                            .build())))
        .isEqualTo("page_token");
  }

  @Test
  void jsonClientsGetTheSameAnswersAndErrors() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String filter =
        "{\"filter\":{\"service\":\"shop\",\"startTime\":\""
            + BASE
            + "\",\"endTime\":\""
            + BASE.plus(4, ChronoUnit.HOURS)
            + "\"},\"dimensions\":[\"DIMENSION_PLAN\"]}";
    AggregatedHttpResponse breakdown =
        tapline
            .http()
            .execute(HttpRequest.of(HttpMethod.POST, "/v1/calls:breakdown", MediaType.JSON, filter))
            .aggregate()
            .join();
    assertThat(breakdown.status().code()).isEqualTo(200);
    JsonNode body = json.readTree(breakdown.contentUtf8());
    Map<String, Long> byPlan = new TreeMap<>();
    body.get("groups")
        .forEach(
            g ->
                byPlan.put(
                    g.get("values").get(0).asText(), g.get("metrics").get("count").asLong()));
    assertThat(byPlan).isEqualTo(weightedCounts(shop, ApiCall::getPlan));

    AggregatedHttpResponse metrics =
        tapline
            .http()
            .execute(
                HttpRequest.of(
                    HttpMethod.POST,
                    "/v1/calls:metrics",
                    MediaType.JSON,
                    filter.replace(",\"dimensions\":[\"DIMENSION_PLAN\"]", "")))
            .aggregate()
            .join();
    assertThat(json.readTree(metrics.contentUtf8()).get("metrics").get("count").asLong())
        .isEqualTo(Math.round(shop.stream().mapToDouble(AnalyticsIT::weight).sum()));

    AggregatedHttpResponse series =
        tapline
            .http()
            .execute(
                HttpRequest.of(
                    HttpMethod.POST,
                    "/v1/calls:timeseries",
                    MediaType.JSON,
                    "{\"bucketSeconds\":-1}"))
            .aggregate()
            .join();
    assertThat(series.status().code()).isEqualTo(400);
    assertThat(series.contentUtf8()).contains("bucket_seconds");
  }
}
