package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.storage.AlertEventFilter;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertRuleRecord;
import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CustomerRecord;
import io.tapline.server.storage.PlanRecord;
import io.tapline.server.storage.ReplayRecord;
import io.tapline.server.storage.SearchOrder;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.testing.SharedClickHouse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every store keeps every string exactly as given, in keys and in values, including text that looks
 * like JDBC escapes (which the driver rewrote inside bound values), placeholders, quotes,
 * backslashes, NUL and characters beyond the BMP. Strings that are not valid Unicode (unpaired
 * surrogates) cannot be stored as UTF-8 at all: the API refuses them before they reach a store.
 */
class ValueRoundTripIT {

  static final List<String> NASTY =
      List.of(
          "a{fn b} c",
          "{fn ucase('x')}{fn lcase('Y')}",
          "{d '2026-01-01'}",
          "{ts '2026-01-01 12:00:00'}",
          "{t '12:00:00'}",
          "{oj t1 LEFT OUTER JOIN t2 ON 1 = 1}",
          "{escape '\\'}",
          "{call p(?, ?)}",
          "what? who? ?",
          "it's \"quoted\" `ticked`",
          "back\\slash \\\\ \\' \\\" end\\",
          "nul\u0000byte\u0000",
          "emoji 😀 and 𝄞, é, ß, 日本",
          "line\nbreak\ttab\rreturn",
          "}{ {{ }} {",
          "--comment /* block */ ;",
          "");

  private static ClickHouseStorage storage;

  @BeforeAll
  static void open() {
    storage = SharedClickHouse.openStorage(ValueRoundTripIT.class, 2);
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @Test
  void metadataStoresKeepKeysAndValues() {
    ClickHouseServiceStore services = new ClickHouseServiceStore(storage.dataSource());
    ClickHouseCustomerStore customers = new ClickHouseCustomerStore(storage.dataSource());
    ClickHousePlanStore plans = new ClickHousePlanStore(storage.dataSource());
    ClickHouseApiKeyStore keys = new ClickHouseApiKeyStore(storage.dataSource());
    ClickHouseAlertRuleStore rules = new ClickHouseAlertRuleStore(storage.dataSource());
    int i = 0;
    for (String v : NASTY) {
      String key = "k" + i++ + v;
      ServiceRecord service =
          new ServiceRecord(
              key,
              v,
              v,
              List.of(v, v + "2"),
              7,
              List.of(v),
              ServiceRecord.Otlp.NONE,
              List.of(),
              NOW);
      services.put(service);
      assertThat(services.get(key)).as(v).contains(service);

      CustomerRecord customer = new CustomerRecord(key, v, v, NOW);
      customers.put(customer);
      assertThat(customers.get(key)).as(v).contains(customer);

      PlanRecord plan = new PlanRecord(key, v, v, 5, NOW);
      plans.put(plan);
      assertThat(plans.get(key)).as(v).contains(plan);

      ApiKeyRecord apiKey =
          new ApiKeyRecord(key, v, "hash" + v, Set.of("read", v), v, v, v, NOW, null, false);
      keys.put(apiKey);
      assertThat(keys.get(key)).as(v).contains(apiKey);

      AlertRuleRecord rule = new AlertRuleRecord(key, v, "{\"name\":\"" + v + "\"}", NOW, NOW);
      rules.put(rule);
      assertThat(rules.get(key)).as(v).contains(rule);
    }
    assertThat(services.list()).hasSize(NASTY.size());
  }

  @Test
  void callsKeepTheirValuesAndAreFoundByThem() {
    ClickHouseCallWriter writer =
        new ClickHouseCallWriter(storage.dataSource(), storage.database(), Duration.ofSeconds(15));
    ClickHouseCallStore store = new ClickHouseCallStore(storage.dataSource());
    int i = 0;
    for (String v : NASTY) {
      String id = "c-" + i++;
      Instant at = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MICROS);
      CallRecord call =
          new CallRecord(
              id,
              at,
              "rt" + v,
              "GET",
              "https://a.test/" + v,
              "/" + v,
              "/" + v,
              Map.of(v, v),
              Map.of("h" + v, v),
              Map.of("r" + v, v),
              v,
              v.length(),
              v,
              v.length(),
              200,
              10,
              v,
              "",
              Map.of("t" + v, v),
              v,
              v,
              v,
              v,
              v,
              1,
              false,
              false,
              Map.of(),
              Map.of());
      writer.insert(
          List.of(
              ClickHouseCallWriter.encodeRows(
                  new CallBatch("batch-" + id, List.of(call), Map.of(call.service(), 30), true))));
      assertThat(store.withId(id, "")).as(v).containsExactly(call);
      assertThat(store.withId(id, call.service())).as(v).containsExactly(call);
      CallCriteria byCustomer =
          new CallCriteria(
              "rt" + v,
              null,
              null,
              0,
              "",
              "/" + v,
              "",
              "",
              Set.of(),
              null,
              null,
              null,
              Map.of("t" + v, v),
              v,
              v,
              "",
              v,
              "",
              "",
              List.of(),
              List.of());
      assertThat(
              store.search(new CallQuery(byCustomer, SearchOrder.NEWEST_FIRST, 10, null)).calls())
          .as(v)
          .containsExactly(call);
    }
  }

  @Test
  void replaysAndAlertEventsKeepTheirValues() {
    ClickHouseReplayStore replays = new ClickHouseReplayStore(storage.dataSource());
    ClickHouseAlertEventStore events = new ClickHouseAlertEventStore(storage.dataSource());
    int i = 0;
    for (String v : NASTY) {
      String callId = "call-" + i++ + v;
      ReplayRecord replay =
          new ReplayRecord(
              "r-" + i,
              callId,
              v,
              NOW,
              v,
              "POST",
              v,
              Map.of("h" + v, v),
              List.of(v),
              List.of(v),
              new ReplayRecord.Overrides(
                  v, v, Map.of(v, v), List.of(v), Map.of(v, v), Map.of(v, v), true),
              false,
              List.of(v),
              200,
              Map.of("r" + v, v),
              v,
              3,
              false,
              5,
              v,
              new ReplayRecord.Comparison(
                  true,
                  200,
                  500,
                  7,
                  new ReplayRecord.BodyDiff(
                      "JSON",
                      List.of(new ReplayRecord.FieldChange(v, v, v)),
                      List.of(),
                      List.of(),
                      List.of(v),
                      false,
                      v)),
              30);
      replays.write(replay);
      assertThat(replays.list(v, callId, 10, null).replays()).as(v).containsExactly(replay);

      AlertEventRecord event =
          new AlertEventRecord(
              0,
              "key" + v,
              "rule" + v,
              v,
              "svc" + v,
              2,
              1,
              1.5,
              1.0,
              1000,
              NOW,
              NOW,
              NOW,
              List.of(v),
              1,
              v,
              "origin" + v);
      long before = events.lastId();
      events.append("dedup-" + i, List.of(event));
      List<AlertEventRecord> stored =
          events.range(before, Long.MAX_VALUE, AlertEventFilter.ALL, 10);
      assertThat(stored).as(v).hasSize(1);
      AlertEventRecord read = stored.getFirst();
      assertThat(read.ruleName()).isEqualTo(v);
      assertThat(read.description()).isEqualTo(v);
      assertThat(read.service()).isEqualTo("svc" + v);
      assertThat(read.sampleCallIds()).containsExactly(v);
      assertThat(read.origin()).isEqualTo("origin" + v);
    }
  }
}
