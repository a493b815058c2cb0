package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What every store must do, run against each real backend: the embedded engine always, a ClickHouse
 * server in a container where Docker exists.
 */
public abstract class CallStorageContract {

  /** Recent, so that calls are inside the retention period. */
  static final Instant BASE = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

  protected abstract CallSink sink();

  protected abstract CallStore store();

  /** The sender of every batch here. */
  static final String SENDER = "contract";

  /** A batch that may be a retry, its calls kept 30 days. */
  static CallBatch batch(String batchId, List<CallRecord> calls) {
    Map<String, Integer> retention = new java.util.HashMap<>();
    calls.forEach(c -> retention.put(c.service(), 30));
    return new CallBatch(batchId, calls, retention, true);
  }

  /** Writes one batch, which may be a retry; returns the calls this write stored. */
  private List<CallRecord> write(String batchId, List<CallRecord> calls) {
    return sink().submit(SENDER, batch(batchId, calls)).join();
  }

  static CallRecord record(String service, String id, Instant at, int status) {
    return new CallRecord(
        id,
        at,
        service,
        "PUT",
        "https://x.test/a?b=c",
        "/a",
        "/a",
        Map.of("b", "c"),
        Map.of("h", "v'\"\\"),
        Map.of(),
        "req",
        3,
        "résumé",
        8,
        status,
        1_500,
        "",
        "10.0.0.1",
        Map.of("k", "v"),
        "",
        "",
        "cust",
        "key",
        "pro",
        0.5,
        false,
        true,
        Map.of(),
        Map.of());
  }

  private static CallQuery all(String service, int pageSize, CallQuery.Cursor after) {
    return new CallQuery(
        CallCriteria.ofService(service), SearchOrder.NEWEST_FIRST, pageSize, after);
  }

  @Test
  void writtenCallsReadBackUnchanged() {
    CallRecord record = record("contract-roundtrip", "rt-1", BASE.plusNanos(1_000), 503);
    write("contract-rt", List.of(record));

    assertThat(store().withId("rt-1", "")).containsExactly(record);
    assertThat(store().search(all("contract-roundtrip", 10, null)).calls()).containsExactly(record);
  }

  @Test
  void aBatchIdIsStoredOnce() {
    CallRecord record = record("contract-dedup", "d-1", BASE.minusSeconds(60), 200);
    assertThat(write("contract-dedup-batch", List.of(record))).containsExactly(record);
    assertThat(write("contract-dedup-batch", List.of(record))).isEmpty();

    assertThat(store().search(all("contract-dedup", 10, null)).calls()).hasSize(1);
  }

  @Test
  void aRetriedBatchStoresOnlyWhatAnInterruptedWriteMissed() {
    CallRecord a = record("contract-partial", "p-a", BASE.minusSeconds(30), 200);
    CallRecord b = record("contract-partial", "p-b", BASE.minusSeconds(20), 200);
    CallRecord c = record("contract-partial", "p-c", BASE.minusSeconds(10), 200);
    write("contract-partial-batch", List.of(a)); // as if the first write was cut
    CompletableFuture<List<CallRecord>> retried =
        sink().submit(SENDER, batch("contract-partial-batch", List.of(a, b)));
    CompletableFuture<List<CallRecord>> other =
        sink().submit(SENDER, batch("contract-partial-other", List.of(c)));
    assertThat(List.of(retried.join(), other.join())).containsExactly(List.of(b), List.of(c));
    assertThat(write("contract-partial-batch", List.of(a, b))).isEmpty();

    assertThat(store().search(all("contract-partial", 10, null)).calls())
        .extracting(CallRecord::id)
        .containsExactlyInAnyOrder("p-a", "p-b", "p-c");
  }

  @Test
  void aBatchLargerThanAnEncodingChunkIsStoredLikeAnyOther() {
    // Bodies longer than the writer's encoding chunks, multi-byte characters across them.
    String body = "x".repeat(70_000) + "é".repeat(40_000) + "\"'\\";
    CallRecord big = record("contract-prepared", "pr-big", BASE.minusSeconds(40), 200);
    big =
        new CallRecord(
            big.id(),
            big.timestamp(),
            big.service(),
            big.method(),
            big.url(),
            big.path(),
            big.route(),
            big.queryParams(),
            big.requestHeaders(),
            big.responseHeaders(),
            body,
            body.length(),
            "ok",
            2,
            big.statusCode(),
            big.latencyMicros(),
            big.error(),
            big.sourceIp(),
            big.tags(),
            big.traceId(),
            big.spanId(),
            big.customerId(),
            big.apiKeyId(),
            big.plan(),
            big.sampleRate(),
            true,
            false,
            Map.of(),
            Map.of());
    CallRecord small = record("contract-prepared", "pr-small", BASE.minusSeconds(30), 201);

    write("contract-prepared-batch", List.of(small));
    // A retry of the batch, grown by one call: only the new call is stored.
    write("contract-prepared-batch", List.of(small, big));

    assertThat(store().search(all("contract-prepared", 10, null)).calls())
        .containsExactly(small, big);
  }

  @Test
  void keysetPagesCoverEveryCallOnce() {
    List<CallRecord> records = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      records.add(
          record("contract-pages", "pg-" + i, BASE.minusSeconds(3600).plusSeconds(i % 3), 200));
    }
    write("contract-pages", records);

    List<String> seen = new ArrayList<>();
    CallQuery.Cursor cursor = null;
    do {
      CallPage page = store().search(all("contract-pages", 3, cursor));
      page.calls().forEach(c -> seen.add(c.id()));
      cursor = page.next();
    } while (cursor != null);

    assertThat(seen).containsExactly("pg-5", "pg-2", "pg-4", "pg-1", "pg-6", "pg-3", "pg-0");
  }

  @Test
  void unknownIdIsEmpty() {
    assertThat(store().withId("missing", "")).isEmpty();
  }

  @Test
  void anIdIsFoundWithinItsServiceOnly() {
    // Ids are unique within a service: two services may hold calls of the same id.
    CallRecord a = record("contract-id-a", "same-id", BASE.minusSeconds(50), 200);
    CallRecord b = record("contract-id-b", "same-id", BASE.minusSeconds(40), 500);
    write("contract-id-a", List.of(a));
    write("contract-id-b", List.of(b));
    assertThat(store().withId("same-id", "contract-id-a")).containsExactly(a);
    assertThat(store().withId("same-id", "contract-id-b")).containsExactly(b);
    assertThat(store().withId("same-id", "")).containsExactlyInAnyOrder(a, b);
    assertThat(store().withId("same-id", "contract-id-c")).isEmpty();
  }
}
