package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ReplayStore} must do, whatever the backend: a replay reads back as written, the
 * replays of a call of a service come in pages, newest first, that together hold each replay once,
 * and the services with replays of a call are found by its id.
 *
 * <p>The tests of one backend share one database, so each test uses call ids and services of its
 * own.
 */
public abstract class ReplayStoreContract {

  /** Recent (replays expire) and in whole microseconds (as the store keeps times). */
  static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(600);

  protected abstract ReplayStore store();

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  /** A replay with every field set. */
  static ReplayRecord replay(String id, String callId, String service, Instant createdAt) {
    return new ReplayRecord(
        id,
        callId,
        service,
        createdAt,
        "key-" + id,
        "POST",
        "https://svc.test/orders?expand=items",
        Map.of("content-type", "application/json", "authorization", "[masked]"),
        List.of("cookie", "x-forwarded-for"),
        List.of("token"),
        new ReplayRecord.Overrides(
            "",
            "PUT",
            Map.of("x-test", "1"),
            List.of("x-old"),
            Map.of("page", "2"),
            Map.of("/amount", "3"),
            true),
        true,
        List.of("https://svc.test/v2/orders", "https://svc.test/v3/orders"),
        201,
        Map.of("content-type", "application/json", "x-request-id", id),
        "{\"ok\":true,\"id\":\"" + id + "\"}",
        4_096,
        true,
        12_345,
        "",
        new ReplayRecord.Comparison(
            true,
            200,
            201,
            -345,
            new ReplayRecord.BodyDiff(
                "JSON",
                List.of(new ReplayRecord.FieldChange("/ok", "", "true")),
                List.of(new ReplayRecord.FieldChange("/old", "1", "")),
                List.of(new ReplayRecord.FieldChange("/n", "1", "2")),
                List.of(),
                false,
                "the original body was cut at ingest; ")),
        30);
  }

  /** A replay whose request got no response. */
  static ReplayRecord failed(String id, String callId, String service, Instant createdAt) {
    return new ReplayRecord(
        id,
        callId,
        service,
        createdAt,
        "key-1",
        "GET",
        "https://svc.test/health",
        Map.of(),
        List.of(),
        List.of(),
        ReplayRecord.Overrides.NONE,
        false,
        List.of(),
        0,
        Map.of(),
        "",
        0,
        false,
        0,
        "connect timed out",
        new ReplayRecord.Comparison(
            true,
            200,
            0,
            0,
            new ReplayRecord.BodyDiff(
                "TEXT", List.of(), List.of(), List.of(), List.of("- ok", "+ "), true, "")),
        7);
  }

  /** The ids of every replay of the call, reading pages of {@code pageSize}. */
  private List<String> allPages(String service, String callId, int pageSize) {
    List<String> ids = new ArrayList<>();
    ReplayStore.Cursor cursor = null;
    int pages = 0;
    do {
      ReplayStore.Page page = store().list(service, callId, pageSize, cursor);
      assertThat(page.replays()).hasSizeLessThanOrEqualTo(pageSize);
      page.replays().forEach(r -> ids.add(r.id()));
      cursor = page.next();
      pages++;
    } while (cursor != null && pages < 100);
    return ids;
  }

  @Test
  void aWrittenReplayReadsBackUnchanged() {
    String service = unique("replay-svc");
    String callId = unique("call");
    ReplayRecord replay = replay(unique("r"), callId, service, BASE);
    ReplayRecord failed = failed(unique("r"), callId, service, BASE.plusNanos(1_000));
    store().write(replay);
    store().write(failed);

    ReplayStore.Page page = store().list(service, callId, 10, null);

    assertThat(page.replays()).containsExactly(failed, replay);
    assertThat(page.next()).isNull();
  }

  @Test
  void pagesAreNewestFirstAndEndWithoutACursor() {
    String service = unique("replay-svc");
    String callId = unique("call");
    List<ReplayRecord> replays = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      replays.add(replay("r" + i + "-" + UUID.randomUUID(), callId, service, BASE.plusSeconds(i)));
    }
    for (int i : List.of(2, 0, 4, 1, 3)) {
      store().write(replays.get(i));
    }

    ReplayStore.Page first = store().list(service, callId, 2, null);
    assertThat(first.replays()).containsExactly(replays.get(4), replays.get(3));
    assertThat(first.next())
        .isEqualTo(new ReplayStore.Cursor(replays.get(3).createdAt(), replays.get(3).id()));
    ReplayStore.Page second = store().list(service, callId, 2, first.next());
    assertThat(second.replays()).containsExactly(replays.get(2), replays.get(1));
    assertThat(second.next()).isNotNull();
    ReplayStore.Page last = store().list(service, callId, 2, second.next());
    assertThat(last.replays()).containsExactly(replays.get(0));
    assertThat(last.next()).isNull();
    // After the oldest replay: nothing.
    ReplayStore.Cursor afterOldest =
        new ReplayStore.Cursor(replays.get(0).createdAt(), replays.get(0).id());
    assertThat(store().list(service, callId, 2, afterOldest).replays()).isEmpty();
  }

  @Test
  void aLastPageThatIsFullHasNoCursor() {
    String service = unique("replay-svc");
    String callId = unique("call");
    ReplayRecord older = replay(unique("r"), callId, service, BASE);
    ReplayRecord newer = replay(unique("r"), callId, service, BASE.plusSeconds(1));
    store().write(older);
    store().write(newer);

    ReplayStore.Page both = store().list(service, callId, 2, null);
    assertThat(both.replays()).containsExactly(newer, older);
    assertThat(both.next()).isNull();

    ReplayStore.Page one = store().list(service, callId, 1, null);
    assertThat(one.replays()).containsExactly(newer);
    assertThat(one.next()).isNotNull();
    ReplayStore.Page rest = store().list(service, callId, 1, one.next());
    assertThat(rest.replays()).containsExactly(older);
    assertThat(rest.next()).isNull();
  }

  @Test
  void replaysOfTheSameInstantArePagedWithoutLossOrRepetition() {
    String service = unique("replay-svc");
    String callId = unique("call");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = unique("same");
      ids.add(id);
      store().write(replay(id, callId, service, BASE));
    }

    for (int pageSize : List.of(1, 2, 3)) {
      assertThat(allPages(service, callId, pageSize))
          .as("pages of %d", pageSize)
          .hasSize(5)
          .containsExactlyInAnyOrderElementsOf(ids);
    }
  }

  @Test
  void aPageHoldsOnlyTheReplaysOfItsServiceAndCall() {
    String service = unique("replay-svc");
    String otherService = unique("replay-svc-other");
    String callId = unique("call");
    String otherCall = unique("call-other");
    ReplayRecord mine = replay(unique("r"), callId, service, BASE);
    ReplayRecord ofOtherService = replay(unique("r"), callId, otherService, BASE);
    ReplayRecord ofOtherCall = replay(unique("r"), otherCall, service, BASE);
    store().write(mine);
    store().write(ofOtherService);
    store().write(ofOtherCall);

    assertThat(store().list(service, callId, 10, null).replays()).containsExactly(mine);
    assertThat(store().list(otherService, callId, 10, null).replays())
        .containsExactly(ofOtherService);
    assertThat(store().list(service, otherCall, 10, null).replays()).containsExactly(ofOtherCall);
    ReplayStore.Page none = store().list(otherService, otherCall, 10, null);
    assertThat(none.replays()).isEmpty();
    assertThat(none.next()).isNull();
  }

  @Test
  void theServicesWithReplaysOfACallAreNamedOnceEachAtMostTen() {
    String callId = unique("call");
    String first = unique("replay-svc");
    String second = unique("replay-svc");
    store().write(replay(unique("r"), callId, first, BASE));
    store().write(replay(unique("r"), callId, first, BASE.plusSeconds(1)));
    store().write(replay(unique("r"), callId, second, BASE));

    assertThat(store().servicesWithReplaysOf(callId)).containsExactlyInAnyOrder(first, second);
    assertThat(store().servicesWithReplaysOf(unique("call-unknown"))).isEmpty();

    String crowded = unique("call-crowded");
    List<String> services = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String service = unique("replay-svc-" + i);
      services.add(service);
      store().write(replay(unique("r"), crowded, service, BASE));
    }
    assertThat(store().servicesWithReplaysOf(crowded))
        .hasSize(10)
        .doesNotHaveDuplicates()
        .isSubsetOf(services);
  }
}
