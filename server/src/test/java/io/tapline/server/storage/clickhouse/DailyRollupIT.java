package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.storage.BreakdownQuery;
import io.tapline.server.storage.BreakdownSort;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.Dimension;
import io.tapline.server.storage.MetricsQuery;
import io.tapline.server.storage.Micros;
import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daily latency rollups by route and by customer (migration 0074): over a range of several
 * days, breakdowns and metrics read them for the whole days and api_calls for the partial days at
 * the edges, with the answers of api_calls alone, quantiles included.
 */
class DailyRollupIT {

  static final List<Double> LEVELS = List.of(0.5, 0.9, 0.99);

  /** Five days of calls ending an hour ago. */
  static final Instant END = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);

  static final Instant START = END.minus(5, ChronoUnit.DAYS);

  static ClickHouseStorage storage;
  static ClickHouseCallStore raw;
  static ClickHouseCallStore chosen;

  @BeforeAll
  static void load() throws SQLException {
    storage = SharedClickHouse.openStorage(DailyRollupIT.class, 2);
    raw = new ClickHouseCallStore(storage.dataSource(), false);
    chosen = new ClickHouseCallStore(storage.dataSource(), true);
    // Powers of two as sample rates keep every weighted sum exact in floating point.
    try (Connection connection = storage.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          """
          INSERT INTO api_calls (timestamp, id, service, method, url, path, route, status_code,
            latency_us, error, customer_id, plan, sample_rate)
          SELECT
            fromUnixTimestamp64Micro(%d + cityHash64(n, 1) %% %d, 'UTC'),
            concat('d-', toString(n)),
            ['shop', 'search'][n %% 2 + 1],
            'GET', 'https://api.example.com/x', '/x',
            ['/v1/orders', '/v1/orders/{id}', '/v1/items'][cityHash64(n, 2) %% 3 + 1],
            [200, 200, 404, 500][cityHash64(n, 3) %% 4 + 1],
            toUInt32(exp(9 + 1.3 * sqrt(-2 * log((cityHash64(n, 4) %% 100000 + 1) / 100001.))
              * cos(2 * pi() * (cityHash64(n, 5) %% 100000) / 100000.))),
            if(cityHash64(n, 6) %% 25 = 0, 'reset', ''),
            ['acme', 'globex', 'initech', 'umbrella'][cityHash64(n, 7) %% 4 + 1],
            'pro',
            [1, 1, 0.5, 0.25][cityHash64(n, 8) %% 4 + 1]
          FROM (SELECT number AS n FROM numbers(20000))
          """
              .formatted(Micros.of(START), Duration.between(START, END).toNanos() / 1000));
    }
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  /** Two whole days, with 5 and 7 hours (and some seconds) of the days around them. */
  static CallCriteria span(String service, String route, String customer) {
    Instant midnight = END.truncatedTo(ChronoUnit.DAYS);
    return CallCriteria.of(service, route, customer, "")
        .withTimeRange(
            midnight.minus(3, ChronoUnit.DAYS).minusSeconds(5 * 3600 + 17),
            midnight.minus(1, ChronoUnit.DAYS).plusSeconds(7 * 3600 + 13));
  }

  @Test
  void breakdownsByRouteAndCustomerAreTheRawBreakdowns() {
    for (Dimension dimension : List.of(Dimension.ROUTE, Dimension.CUSTOMER)) {
      for (String service : List.of("shop", "")) {
        CallCriteria criteria = span(service, "", "");
        assertThat(Scan.counts(criteria, List.of(dimension), 0, true).toString())
            .contains(dimension == Dimension.ROUTE ? "api_calls_counts_1d" : "customers_1d");
        assertThat(Scan.latencies(criteria, List.of(dimension), 0, true).toString())
            .contains(
                dimension == Dimension.ROUTE
                    ? "api_calls_routes_1d"
                    : "api_calls_customer_latency_1d");
        for (BreakdownSort sort : BreakdownSort.values()) {
          for (int limit : List.of(1, 2, 10)) {
            BreakdownQuery query =
                new BreakdownQuery(criteria, List.of(dimension), "", "", limit, sort, 0.95, LEVELS);
            assertThat(chosen.breakdown(query)).as("%s", query).isEqualTo(raw.breakdown(query));
          }
        }
      }
    }
  }

  @Test
  void metricsOverDaysAreTheRawMetrics() {
    for (CallCriteria criteria :
        List.of(
            span("shop", "", ""),
            span("", "", ""),
            span("shop", "/v1/items", ""),
            span("", "/v1/orders", ""),
            span("search", "", "globex"),
            span("", "", "umbrella"))) {
      MetricsQuery query = new MetricsQuery(criteria, LEVELS);
      assertThat(Scan.latencies(criteria, List.of(), 0, true).toString()).contains("_1d");
      assertThat(chosen.metrics(query)).as("%s", criteria).isEqualTo(raw.metrics(query));
      assertThat(raw.metrics(query).total().recorded()).isPositive();
    }
  }

  /**
   * Whole days from the daily rollup; the whole five minutes of the partial days at the edges from
   * the five-minute one; the rest from api_calls.
   */
  @Test
  void theEdgesOfTheDaysAreReadFromTheFinerRollup() {
    String from = Scan.latencies(span("shop", "", ""), List.of(), 0, true).from;
    assertThat(from)
        .contains("FROM api_calls_latency_1d", "FROM api_calls_latency_5m", "FROM api_calls WHERE");
    assertThat(from.split("FROM api_calls_latency_5m", -1)).hasSize(3);
    String routes = Scan.latencies(span("shop", "", ""), List.of(Dimension.ROUTE), 0, true).from;
    assertThat(routes).contains("FROM api_calls_routes_1d").doesNotContain("latency_5m");
  }

  @Test
  void aDayOrLessOrAnotherFilterReadsTheFinerRollupOrTheCalls() {
    CallCriteria day =
        CallCriteria.of("shop", "/v1/items", "", "")
            .withTimeRange(END.minus(1, ChronoUnit.DAYS).plusSeconds(1), END);
    assertThat(Scan.latencies(day, List.of(Dimension.ROUTE), 0, true).rollup()).isFalse();
    assertThat(Scan.counts(day, List.of(Dimension.ROUTE), 0, true).toString())
        .contains("api_calls_counts_1h");
    CallCriteria routeAndCustomer = span("shop", "/v1/items", "acme");
    assertThat(Scan.latencies(routeAndCustomer, List.of(), 0, true).rollup()).isFalse();
    assertThat(Scan.latencies(span("shop", "", ""), List.of(), 3_600_000_000L, true).toString())
        .as("hourly buckets")
        .contains("api_calls_latency_5m")
        .doesNotContain("_1d");
    assertThat(
            Scan.latencies(span("", "", ""), List.of(Dimension.CUSTOMER, Dimension.PLAN), 0, true)
                .rollup())
        .isFalse();
  }
}
