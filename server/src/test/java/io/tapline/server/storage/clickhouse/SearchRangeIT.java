package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.CallPage;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.SearchOrder;
import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Searches in time order over more than a day read the hours their page needs ({@link SearchRange})
 * and answer page for page as a search of the whole range does.
 */
class SearchRangeIT {

  /** Five days of calls ending a minute ago, whole seconds, so some share a timestamp. */
  static final Instant END = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);

  static final Instant START = END.minus(5, ChronoUnit.DAYS);

  static ClickHouseStorage storage;
  static ClickHouseCallStore raw;
  static ClickHouseCallStore chosen;

  @BeforeAll
  static void load() throws SQLException {
    storage = SharedClickHouse.openStorage(SearchRangeIT.class, 2);
    raw = new ClickHouseCallStore(storage.dataSource(), false);
    chosen = new ClickHouseCallStore(storage.dataSource(), true);
    // 12,000 calls: acme in most hours, umbrella in one call of 400 (a few a day).
    try (Connection connection = storage.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          """
          INSERT INTO api_calls (timestamp, id, service, method, url, path, route, status_code,
            latency_us, customer_id, plan)
          SELECT
            fromUnixTimestamp64Micro(%d + (cityHash64(n, 1) %% %d) * 1000000, 'UTC'),
            concat('s-', toString(n)),
            ['shop', 'search'][n %% 2 + 1],
            'GET', 'https://api.example.com/x', '/x',
            ['/v1/orders', '/v1/items'][cityHash64(n, 2) %% 2 + 1],
            [200, 200, 404, 500][cityHash64(n, 3) %% 4 + 1],
            1000 + cityHash64(n, 4) %% 9000,
            if(cityHash64(n, 5) %% 400 = 0, 'umbrella', ['acme', 'globex'][cityHash64(n, 6) %% 2 + 1]),
            'pro'
          FROM (SELECT number AS n FROM numbers(12000))
          """
              .formatted(Micros.of(START), Duration.between(START, END).toSeconds()));
    }
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  static CallCriteria customer(String service, String customer, Instant start, Instant end) {
    return CallCriteria.of(service, "", customer, "").withTimeRange(start, end);
  }

  /** The first 15 pages of a search (all, when fewer), in order, from {@code store}. */
  static List<List<String>> pages(ClickHouseCallStore store, CallQuery first) {
    List<List<String>> pages = new ArrayList<>();
    CallQuery query = first;
    while (pages.size() < 15) {
      CallPage page = store.search(query);
      pages.add(page.calls().stream().map(CallRecord::id).toList());
      if (page.next() == null) {
        return pages;
      }
      query = new CallQuery(query.criteria(), query.order(), query.pageSize(), page.next());
    }
    return pages;
  }

  @Test
  void everyPageIsThePageOfTheWholeRange() {
    List<CallCriteria> searches =
        List.of(
            customer("", "acme", null, null),
            customer("shop", "acme", START, END),
            customer("", "umbrella", null, END),
            customer("", "umbrella", START.minus(1, ChronoUnit.DAYS), null),
            CallCriteria.of("search", "/v1/items", "", "").withTimeRange(START, END),
            CallCriteria.ofService("").withTimeRange(START.plusSeconds(1234), END));
    for (CallCriteria criteria : searches) {
      for (SearchOrder order : List.of(SearchOrder.NEWEST_FIRST, SearchOrder.OLDEST_FIRST)) {
        for (int pageSize : List.of(7, 100)) {
          CallQuery query = new CallQuery(criteria, order, pageSize, null);
          List<List<String>> expected = pages(raw, query);
          assertThat(pages(chosen, query)).as("%s", query).isEqualTo(expected);
          if (pageSize == 7) {
            assertThat(expected.size()).as("several pages of %s", query).isGreaterThan(1);
          }
        }
      }
    }
  }

  @Test
  void aPageReadsOnlyTheHoursItNeeds() throws SQLException {
    CallQuery acme =
        new CallQuery(customer("", "acme", null, null), SearchOrder.NEWEST_FIRST, 20, null);
    CallQuery oldest =
        new CallQuery(customer("", "acme", START, END), SearchOrder.OLDEST_FIRST, 20, null);
    try (Connection connection = storage.dataSource().getConnection()) {
      CallCriteria newest = SearchRange.narrow(acme, connection).criteria();
      assertThat(newest.startTime()).isAfter(END.minus(12, ChronoUnit.HOURS));
      assertThat(newest.endTime()).isNull();
      CallCriteria first = SearchRange.narrow(oldest, connection).criteria();
      assertThat(first.startTime()).isEqualTo(START);
      assertThat(first.endTime()).isBefore(START.plus(12, ChronoUnit.HOURS));
      // The next page's range starts from its cursor.
      CallRecord last = chosen.search(acme).calls().getLast();
      CallQuery second =
          new CallQuery(
              acme.criteria(),
              acme.order(),
              20,
              new CallQuery.Cursor(0, last.timestamp(), last.id()));
      assertThat(SearchRange.narrow(second, connection).criteria().startTime())
          .isBefore(newest.startTime().plusSeconds(1));
      // Left whole: a day or less, a column no rollup holds, an order not by time, too few calls.
      for (CallQuery whole :
          List.of(
              new CallQuery(
                  customer("", "acme", END.minus(1, ChronoUnit.DAYS), END),
                  SearchOrder.NEWEST_FIRST,
                  20,
                  null),
              new CallQuery(
                  new CallCriteria(
                      "", null, null, 0, "", "", "/x", "", Set.of(), null, null, null, Map.of(),
                      "acme", "", "", "", "", "", List.of(), List.of()),
                  SearchOrder.NEWEST_FIRST,
                  20,
                  null),
              new CallQuery(acme.criteria(), SearchOrder.SLOWEST_FIRST, 20, null),
              new CallQuery(acme.criteria(), SearchOrder.NEWEST_FIRST, 10_000, null),
              new CallQuery(
                  customer("", "nobody", null, null), SearchOrder.NEWEST_FIRST, 20, null))) {
        assertThat(SearchRange.narrow(whole, connection)).as("%s", whole).isSameAs(whole);
      }
    }
  }

  /**
   * Calls deleted from api_calls alone are still counted by the rollup: the narrowed range holds
   * fewer calls than the page, and the whole range is searched.
   */
  @Test
  void aShortPageOverTheNarrowedRangeSearchesTheWholeRange() throws SQLException {
    CallQuery globex =
        new CallQuery(customer("search", "globex", null, null), SearchOrder.NEWEST_FIRST, 30, null);
    try (Connection connection = storage.dataSource().getConnection()) {
      Instant narrowedStart = SearchRange.narrow(globex, connection).criteria().startTime();
      assertThat(narrowedStart).isNotNull();
      // On a cluster, from every node's own table (a Distributed table takes no DELETE).
      List<DataSource> nodes =
          storage.nodePools().isEmpty() ? List.of(storage.dataSource()) : storage.nodePools();
      for (DataSource node : nodes) {
        try (Connection own = node.getConnection();
            Statement statement = own.createStatement()) {
          statement.execute(
              "DELETE FROM api_calls WHERE service = 'search' AND customer_id = 'globex'"
                  + " AND timestamp >= fromUnixTimestamp64Micro("
                  + Micros.of(narrowedStart)
                  + ", 'UTC')");
        }
      }
      assertThat(SearchRange.narrow(globex, connection).criteria().startTime())
          .as("the rollup still counts the deleted calls")
          .isEqualTo(narrowedStart);
    }
    List<List<String>> expected = pages(raw, globex);
    assertThat(expected.getFirst()).hasSize(30);
    assertThat(pages(chosen, globex)).isEqualTo(expected);
  }
}
