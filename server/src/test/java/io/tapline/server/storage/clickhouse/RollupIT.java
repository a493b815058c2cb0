package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tapline.server.storage.BreakdownQuery;
import io.tapline.server.storage.BreakdownResult;
import io.tapline.server.storage.BreakdownSort;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.CallMetrics;
import io.tapline.server.storage.Dimension;
import io.tapline.server.storage.MetricsQuery;
import io.tapline.server.storage.MetricsResult;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.TimeSeriesQuery;
import io.tapline.server.storage.TimeSeriesResult;
import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rollups answer exactly as the raw table does: every aggregate query is run by a store that
 * reads only {@code api_calls} and by one that chooses the rollup, and both are checked against
 * answers computed here from the raw rows. Then the choice itself: a row planted only in the rollup
 * shows up exactly in the queries the rollup may answer.
 */
class RollupIT {

  static final List<Double> LEVELS = List.of(0.5, 0.9, 0.95, 0.99);

  /** Three whole hours ending at the start of the current hour. */
  static final Instant END = Instant.now().truncatedTo(ChronoUnit.HOURS);

  static final Instant START = END.minus(3, ChronoUnit.HOURS);

  static ClickHouseStorage storage;
  static ClickHouseCallStore raw;
  static ClickHouseCallStore chosen;
  static final List<Row> rows = new ArrayList<>();

  record Row(
      Instant at,
      String service,
      String route,
      String method,
      int status,
      String plan,
      String customer,
      long latency,
      double sampleRate,
      boolean error) {
    double weight() {
      return 1 / sampleRate;
    }
  }

  @BeforeAll
  static void load() throws SQLException {
    storage = SharedClickHouse.openStorage(RollupIT.class, 2);
    raw = new ClickHouseCallStore(storage.dataSource(), false);
    chosen = new ClickHouseCallStore(storage.dataSource(), true);
    // 6000 calls over the three hours in three inserts (so the rollup holds partial rows
    // for the same period that must add up). Powers of two as sample rates keep every
    // weighted sum exact in floating point, so raw and rollup figures can be compared exactly.
    try (Connection connection = storage.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      for (int part = 0; part < 3; part++) {
        statement.execute(
            """
            INSERT INTO api_calls (timestamp, id, service, method, url, path, route, status_code,
              latency_us, error, source_ip, customer_id, api_key_id, plan, sample_rate)
            SELECT
              fromUnixTimestamp64Micro(%d + cityHash64(n, 1) %% %d, 'UTC'),
              concat('r-', toString(n)),
              ['shop', 'shop', 'search'][n %% 3 + 1],
              ['GET', 'GET', 'POST', 'PUT'][cityHash64(n, 2) %% 4 + 1],
              'https://api.example.com/x', concat('/x/', toString(n %% 17)),
              ['/v1/orders', '/v1/orders/{id}', '/v1/items'][cityHash64(n, 3) %% 3 + 1],
              [200, 200, 201, 404, 429, 500, 503][cityHash64(n, 4) %% 7 + 1],
              toUInt32(exp(9 + 1.3 * sqrt(-2 * log((cityHash64(n, 5) %% 100000 + 1) / 100001.))
                * cos(2 * pi() * (cityHash64(n, 6) %% 100000) / 100000.))),
              if(cityHash64(n, 7) %% 25 = 0, 'reset', ''),
              concat('10.0.0.', toString(n %% 4)),
              ['acme', 'globex', 'initech'][cityHash64(n, 8) %% 3 + 1] AS customer,
              concat('key-', customer),
              ['pro', 'free'][n %% 2 + 1],
              [1, 1, 0.5, 0.25][cityHash64(n, 9) %% 4 + 1]
            FROM (SELECT number + %d AS n FROM numbers(2000))
            """
                .formatted(Micros.of(START), 3 * 3600 * 1_000_000L, part * 2000));
      }
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT toUnixTimestamp64Micro(timestamp), service, route, method, status_code, plan,"
                  + " customer_id, latency_us, sample_rate, notEmpty(error) FROM api_calls")) {
        while (rs.next()) {
          rows.add(
              new Row(
                  Micros.toInstant(rs.getLong(1)),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getInt(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getLong(8),
                  rs.getDouble(9),
                  rs.getBoolean(10)));
        }
      }
    }
    assertThat(rows).hasSize(6000);
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  static CallCriteria shop(Instant start, Instant end) {
    return CallCriteria.ofService("shop").withTimeRange(start, end);
  }

  // ---- answers computed from the rows ----

  static boolean isError(Row r) {
    return r.status() >= 500 || r.error();
  }

  static double exactQuantile(List<Row> calls, double level) {
    List<Row> sorted = new ArrayList<>(calls);
    sorted.sort(Comparator.comparingLong(Row::latency));
    long total = sorted.stream().mapToLong(r -> Math.round(1000 * r.weight())).sum();
    double threshold = Math.ceil(total * level);
    long cumulative = 0;
    for (Row r : sorted) {
      cumulative += Math.round(1000 * r.weight());
      if (cumulative >= threshold) {
        return r.latency();
      }
    }
    return sorted.getLast().latency();
  }

  static void assertMatches(CallMetrics actual, List<Row> calls) {
    double count = calls.stream().mapToDouble(Row::weight).sum();
    assertThat(actual.recorded()).isEqualTo(calls.size());
    assertThat(actual.count()).isEqualTo(count);
    assertThat(actual.errors())
        .isEqualTo(calls.stream().filter(RollupIT::isError).mapToDouble(Row::weight).sum());
    assertThat(actual.avgLatencyMicros())
        .isCloseTo(
            calls.stream().mapToDouble(r -> r.latency() * r.weight()).sum() / count, within(1e-6));
    assertThat(actual.minLatencyMicros())
        .isEqualTo(calls.stream().mapToLong(Row::latency).min().orElseThrow());
    assertThat(actual.maxLatencyMicros())
        .isEqualTo(calls.stream().mapToLong(Row::latency).max().orElseThrow());
    for (int i = 0; i < LEVELS.size(); i++) {
      double exact = exactQuantile(calls, LEVELS.get(i));
      assertThat(actual.quantileMicros().get(i))
          .isCloseTo(exact, within(0.00502 * (1 + exact) + 1));
    }
  }

  static List<Row> select(Instant start, Instant end, Predicate<Row> filter) {
    return rows.stream()
        .filter(r -> !r.at().isBefore(start) && r.at().isBefore(end))
        .filter(filter)
        .toList();
  }

  // ---- the same numbers both ways ----

  @Test
  void metricsOverWholePeriodsAreTheRawMetrics() {
    MetricsQuery query = new MetricsQuery(shop(START, END), LEVELS);
    MetricsResult fromRollup = chosen.metrics(query);
    assertThat(fromRollup).isEqualTo(raw.metrics(query));
    assertMatches(fromRollup.total(), select(START, END, r -> r.service().equals("shop")));
  }

  @Test
  void metricsOverPartialPeriodsAddTheRawEdges() {
    Instant start = START.plusSeconds(157).plusNanos(123_000);
    Instant end = END.minusSeconds(61);
    CallCriteria criteria =
        new CallCriteria(
            "shop",
            start,
            end,
            0,
            "GET",
            "",
            "",
            "",
            Set.of(2, 5),
            null,
            null,
            null,
            Map.of(),
            "",
            "pro",
            "",
            "",
            "",
            "",
            List.of(),
            List.of());
    MetricsQuery query = new MetricsQuery(criteria, LEVELS);
    assertThat(Scan.counts(criteria, List.of(), 0, true).rollup()).isTrue();
    MetricsResult fromRollup = chosen.metrics(query);
    assertThat(fromRollup).isEqualTo(raw.metrics(query));
    assertMatches(
        fromRollup.total(),
        select(
            start,
            end,
            r ->
                r.service().equals("shop")
                    && r.method().equals("GET")
                    && r.plan().equals("pro")
                    && Set.of(2, 5).contains(r.status() / 100)));
  }

  @Test
  void errorFilterReadsTheRollupErrorFlag() {
    for (boolean errors : new boolean[] {true, false}) {
      CallCriteria criteria =
          new CallCriteria(
              "shop", START, END, 0, "", "", "", "", Set.of(), null, null, errors, Map.of(), "", "",
              "", "", "", "", List.of(), List.of());
      MetricsResult fromRollup = chosen.metrics(new MetricsQuery(criteria, LEVELS));
      assertThat(fromRollup).isEqualTo(raw.metrics(new MetricsQuery(criteria, LEVELS)));
      assertMatches(
          fromRollup.total(),
          select(START, END, r -> r.service().equals("shop") && isError(r) == errors));
    }
  }

  @Test
  void breakdownsAreTheRawBreakdowns() {
    for (BreakdownSort sort : BreakdownSort.values()) {
      BreakdownQuery query =
          new BreakdownQuery(
              shop(START.plusSeconds(1), END),
              List.of(Dimension.ROUTE, Dimension.STATUS_CLASS),
              "",
              "",
              4,
              sort,
              0.95,
              LEVELS);
      BreakdownResult fromRollup = chosen.breakdown(query);
      assertThat(fromRollup).isEqualTo(raw.breakdown(query));
      assertThat(fromRollup.groups()).hasSize(5);
    }
    // Both ways of ranking: top groups first (up to MAX_TOP_GROUPS), or all ranked.
    for (ClickHouseCallStore store : List.of(raw, chosen)) {
      BreakdownResult conditional =
          store.breakdown(
              new BreakdownQuery(
                  shop(START, END),
                  List.of(Dimension.ROUTE, Dimension.STATUS_CODE),
                  "",
                  "",
                  SelectBreakdown.MAX_TOP_GROUPS,
                  BreakdownSort.ERROR_RATE,
                  0.95,
                  LEVELS));
      BreakdownResult ranked =
          store.breakdown(
              new BreakdownQuery(
                  shop(START, END),
                  List.of(Dimension.ROUTE, Dimension.STATUS_CODE),
                  "",
                  "",
                  SelectBreakdown.MAX_TOP_GROUPS + 1,
                  BreakdownSort.ERROR_RATE,
                  0.95,
                  LEVELS));
      assertThat(conditional.groups()).hasSize(18);
      assertThat(conditional).isEqualTo(ranked);
    }
    for (int limit = 1; limit <= 4; limit++) {
      BreakdownQuery byCustomerAndPlan =
          new BreakdownQuery(
              shop(START.plusSeconds(1), END.minusSeconds(1)),
              List.of(Dimension.CUSTOMER, Dimension.PLAN),
              "",
              "",
              limit,
              BreakdownSort.ERRORS,
              0.95,
              LEVELS);
      assertThat(chosen.breakdown(byCustomerAndPlan)).isEqualTo(raw.breakdown(byCustomerAndPlan));
    }
    BreakdownQuery byRoute =
        new BreakdownQuery(
            shop(START, END),
            List.of(Dimension.ROUTE),
            "",
            "",
            10,
            BreakdownSort.COUNT,
            0.95,
            LEVELS);
    for (BreakdownResult.Group group : chosen.breakdown(byRoute).groups()) {
      assertMatches(
          group.metrics(),
          select(
              START,
              END,
              r -> r.service().equals("shop") && r.route().equals(group.values().getFirst())));
    }
  }

  /**
   * Top groups of two dimensions and the rest, for every small limit: a few top groups among many
   * pairs of values are told apart by rank in SQL, more of them by the pair of values.
   */
  @Test
  void topGroupsOfTwoDimensionsHaveTheirOwnCalls() {
    for (int limit = 1; limit <= 9; limit++) {
      BreakdownQuery query =
          new BreakdownQuery(
              shop(START, END),
              List.of(Dimension.CUSTOMER, Dimension.STATUS_CODE),
              "",
              "",
              limit,
              BreakdownSort.COUNT,
              0.95,
              LEVELS);
      BreakdownResult result = raw.breakdown(query);
      assertThat(result.groups()).hasSize(limit + 1);
      Predicate<Row> inTop = r -> false;
      for (BreakdownResult.Group group : result.groups()) {
        if (group.other()) {
          Predicate<Row> top = inTop;
          assertMatches(
              group.metrics(), select(START, END, r -> r.service().equals("shop") && !top.test(r)));
          continue;
        }
        Predicate<Row> member =
            r ->
                r.customer().equals(group.values().get(0))
                    && Integer.toString(r.status()).equals(group.values().get(1));
        assertMatches(
            group.metrics(), select(START, END, r -> r.service().equals("shop") && member.test(r)));
        inTop = inTop.or(member);
      }
    }
  }

  @Test
  void timeSeriesAreTheRawTimeSeries() {
    for (Duration width :
        List.of(Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1))) {
      TimeSeriesQuery query =
          new TimeSeriesQuery(
              CallCriteria.ofService("").withTimeRange(START, END),
              width.toNanos() / 1000,
              Dimension.METHOD,
              "",
              "",
              2,
              LEVELS);
      TimeSeriesResult fromRollup = chosen.timeSeries(query);
      assertThat(fromRollup).isEqualTo(raw.timeSeries(query));
    }
    TimeSeriesQuery hourly =
        new TimeSeriesQuery(shop(START, END), 3_600_000_000L, null, "", "", 0, LEVELS);
    TimeSeriesResult.Series series = chosen.timeSeries(hourly).series().getFirst();
    assertThat(series.buckets()).hasSize(3);
    series
        .buckets()
        .forEach(
            (start, metrics) ->
                assertMatches(
                    metrics,
                    select(
                        start, start.plus(1, ChronoUnit.HOURS), r -> r.service().equals("shop"))));
  }

  /** A batch stored once despite a retry (same deduplication token) is rolled up once. */
  @Test
  void retriedBatchIsRolledUpOnce() throws SQLException {
    String insert =
        "INSERT INTO api_calls (timestamp, id, service, route, status_code, latency_us)"
            + " SETTINGS insert_deduplication_token = 'rollup-retry'"
            + " SELECT fromUnixTimestamp64Micro("
            + Micros.of(START.plusSeconds(900))
            + " + number, 'UTC'), toString(number), 'retry', '/r', 200, 1000 + number"
            + " FROM numbers(10)";
    try (Connection connection = storage.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(insert);
      statement.execute(insert);
    }
    MetricsQuery query =
        new MetricsQuery(CallCriteria.ofService("retry").withTimeRange(START, END), LEVELS);
    assertThat(raw.metrics(query).total().recorded()).isEqualTo(10);
    assertThat(chosen.metrics(query)).isEqualTo(raw.metrics(query));
  }

  // ---- the choice ----

  @Test
  void rollupIsChosenOnlyWhenItHoldsWhatTheQueryNeeds() {
    CallCriteria plain = shop(START, END);
    long hour = 3_600_000_000L;
    long fiveMinutes = 300_000_000L;
    assertThat(Scan.counts(plain, List.of(Dimension.ROUTE, Dimension.PLAN), hour, true).rollup())
        .isTrue();
    assertThat(Scan.counts(plain, List.of(), fiveMinutes, true).rollup())
        .as("5 min buckets")
        .isFalse();
    assertThat(Scan.counts(plain, List.of(), 0, false).rollup()).as("rollups off").isFalse();
    assertThat(Scan.counts(plain, List.of(Dimension.CUSTOMER, Dimension.PLAN), 0, true).rollup())
        .isTrue();
    assertThat(Scan.counts(plain, List.of(Dimension.CUSTOMER, Dimension.ROUTE), 0, true).rollup())
        .isFalse();
    CallCriteria customerAndMethod =
        new CallCriteria(
            "shop", START, END, 0, "GET", "", "", "", Set.of(), null, null, null, Map.of(), "acme",
            "", "", "", "", "", List.of(), List.of());
    assertThat(Scan.counts(customerAndMethod, List.of(), 0, true).rollup()).isFalse();
    assertThat(Scan.counts(customerAndMethod, List.of(Dimension.METHOD), 0, true).rollup())
        .isFalse();
    assertThat(Scan.counts(plain, List.of(Dimension.TAG), 0, true).rollup()).isFalse();
    assertThat(Scan.counts(plain, List.of(Dimension.SOURCE_IP), 0, true).rollup()).isFalse();
    assertThat(Scan.counts(shop(START, START.plusSeconds(3599)), List.of(), 0, true).rollup())
        .as("no whole hour")
        .isFalse();
    assertThat(Scan.counts(CallCriteria.ofService("shop"), List.of(), 0, true).rollup())
        .as("unbounded range")
        .isTrue();

    assertThat(Scan.latencies(plain, List.of(Dimension.SERVICE), fiveMinutes, true).rollup())
        .isTrue();
    assertThat(Scan.latencies(CallCriteria.ofService(""), List.of(), 0, true).rollup()).isTrue();
    assertThat(Scan.latencies(plain, List.of(), 60_000_000L, true).rollup())
        .as("1 min buckets")
        .isFalse();
    assertThat(Scan.latencies(plain, List.of(), 0, false).rollup()).as("rollups off").isFalse();
    assertThat(Scan.latencies(plain, List.of(Dimension.ROUTE), 0, true).rollup()).isFalse();
    assertThat(Scan.latencies(shop(START, START.plusSeconds(299)), List.of(), 0, true).rollup())
        .as("no whole period")
        .isFalse();
    List<CallCriteria> countsOnly =
        List.of(
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 200, "", "", "", "", Set.of(), null, null, null, Map.of(),
                        "", "", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "GET", "", "", "", Set.of(), null, null, null,
                        Map.of(), "", "", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0],
                        START,
                        END,
                        0,
                        "",
                        "/v1/items",
                        "",
                        "",
                        Set.of(),
                        null,
                        null,
                        null,
                        Map.of(),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        List.of(),
                        List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "", "", Set.of(5), null, null, null, Map.of(),
                        "", "", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "", "", Set.of(), null, null, true, Map.of(),
                        "", "", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "", "", Set.of(), null, null, null, Map.of(),
                        "", "pro", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "", "", Set.of(), null, null, true, Map.of(),
                        "acme", "pro", "", "", "", "", List.of(), List.of())));
    for (CallCriteria c : countsOnly) {
      assertThat(Scan.counts(c, List.of(), 0, true).rollup()).as(c.toString()).isTrue();
      assertThat(Scan.latencies(c, List.of(), 0, true).rollup()).as(c.toString()).isFalse();
    }
    List<CallCriteria> rawOnly =
        List.of(
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "/x", "", Set.of(), null, null, null, Map.of(),
                        "", "", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "", "x/", Set.of(), null, null, null, Map.of(),
                        "", "", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "", "", Set.of(), 10L, null, null, Map.of(),
                        "", "", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "", "", Set.of(), null, 10L, null, Map.of(),
                        "", "", "", "", "", "", List.of(), List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0],
                        START,
                        END,
                        0,
                        "",
                        "",
                        "",
                        "",
                        Set.of(),
                        null,
                        null,
                        null,
                        Map.of("a", "b"),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        List.of(),
                        List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0],
                        START,
                        END,
                        0,
                        "",
                        "",
                        "",
                        "",
                        Set.of(),
                        null,
                        null,
                        null,
                        Map.of(),
                        "",
                        "",
                        "10.0.0.1",
                        "",
                        "",
                        "",
                        List.of(),
                        List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0],
                        START,
                        END,
                        0,
                        "",
                        "",
                        "",
                        "",
                        Set.of(),
                        null,
                        null,
                        null,
                        Map.of(),
                        "",
                        "",
                        "",
                        "key-acme",
                        "",
                        "",
                        List.of(),
                        List.of())),
            criteria(
                c ->
                    new CallCriteria(
                        c[0], START, END, 0, "", "", "", "", Set.of(), null, null, null, Map.of(),
                        "", "", "", "", "api", "", List.of(), List.of())));
    for (CallCriteria c : rawOnly) {
      assertThat(Scan.counts(c, List.of(), 0, true).rollup()).as(c.toString()).isFalse();
      assertThat(Scan.latencies(c, List.of(), 0, true).rollup()).as(c.toString()).isFalse();
    }
  }

  private static CallCriteria criteria(java.util.function.Function<String[], CallCriteria> make) {
    return make.apply(new String[] {"shop"});
  }

  /**
   * Rows planted only in the rollups, for a service of their own, are seen only through them:
   * counts through the counts rollup, quantiles through the latency rollup.
   */
  @Test
  void storeChoosesTheRollupByItself() throws SQLException {
    try (Connection connection = storage.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "INSERT INTO api_calls_counts_1h (timestamp, service, route, method, status_code, plan,"
              + " is_error, retention_days, w_count, w_errors, recorded, w_latency, min_us, max_us)"
              + " VALUES (fromUnixTimestamp64Micro("
              + Micros.of(START)
              + ", 'UTC'), 'ghost', '/g',"
              + " 'GET', 200, 'pro', 0, 30, 7, 0, 1, 7000, 1000, 1000)");
      // Bucket 691 stands for 1001 microseconds: round(e^6.91 - 1).
      statement.execute(
          "INSERT INTO api_calls_latency_5m (timestamp, service, latency_bucket, retention_days,"
              + " w_count, w_errors, recorded, w_latency, min_us, max_us, quantile_weight)"
              + " VALUES (fromUnixTimestamp64Micro("
              + Micros.of(START.plusSeconds(600))
              + ", 'UTC'), 'ghost', 691, 30, 7, 0, 1, 7000, 1000, 1000, 7000)");
      statement.execute(
          "INSERT INTO api_calls_customers_1h (timestamp, service, customer_id, plan, is_error,"
              + " retention_days, w_count, w_errors, recorded, w_latency, min_us, max_us)"
              + " VALUES (fromUnixTimestamp64Micro("
              + Micros.of(START)
              + ", 'UTC'), 'ghost', 'acme',"
              + " 'pro', 0, 30, 5, 0, 1, 5000, 1000, 1000)");
    }
    CallCriteria ghost = CallCriteria.ofService("ghost").withTimeRange(START, END);
    MetricsResult ghostMetrics = chosen.metrics(new MetricsQuery(ghost, LEVELS));
    assertThat(ghostMetrics.total().count()).isEqualTo(7);
    assertThat(ghostMetrics.total().quantileMicros()).containsOnly(1001.0);
    assertThat(raw.metrics(new MetricsQuery(ghost, LEVELS)).total().recorded()).isZero();
    CallCriteria ghostOfCustomer =
        new CallCriteria(
            "ghost", START, END, 0, "", "", "", "", Set.of(), null, null, null, Map.of(), "acme",
            "", "", "", "", "", List.of(), List.of());
    assertThat(chosen.metrics(new MetricsQuery(ghostOfCustomer, LEVELS)).total().recorded())
        .as("a customer filter reads api_calls")
        .isZero();
    BreakdownQuery byCustomer =
        new BreakdownQuery(
            ghost, List.of(Dimension.CUSTOMER), "", "", 10, BreakdownSort.COUNT, 0.95, LEVELS);
    assertThat(chosen.breakdown(byCustomer).groups())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.values()).containsExactly("acme");
              assertThat(g.metrics().count()).as("counted by the customers rollup").isEqualTo(5);
            });
    assertThat(raw.breakdown(byCustomer).groups()).isEmpty();
    CallCriteria shortRange = ghost.withTimeRange(START.plusSeconds(599), START.plusSeconds(899));
    assertThat(chosen.metrics(new MetricsQuery(shortRange, LEVELS)).total().recorded())
        .as("less than a whole period reads api_calls")
        .isZero();
  }
}
