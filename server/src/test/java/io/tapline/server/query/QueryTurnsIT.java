package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.testing.TestTapline;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client queries take turns: with {@code query.max-concurrent=1} one runs in the engine and the
 * others wait in order of arrival, whatever their key, for at most {@code query.timeout}. Searches
 * are made slow by {@link SlowCalls}: one runs until its 6 s time limit or its client's deadline.
 */
class QueryTurnsIT {

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline()
          .withFlags(
              "--query.timeout=6s", "--query.max-concurrent=1", "--query.max-concurrent-per-key=4");

  private static final ExecutorService clients = Executors.newFixedThreadPool(4);

  /** How a search ended, and when. */
  record Outcome(Status.Code code, String description, long endedNanos) {}

  @BeforeAll
  static void slowCalls() throws Exception {
    SlowCalls.install(tapline);
  }

  @AfterAll
  static void stopClients() {
    clients.shutdownNow();
  }

  @BeforeEach
  void nothingRuns() {
    await().atMost(Duration.ofSeconds(20)).until(() -> running() == 0 && waiting() == 0);
  }

  private static double running() {
    return tapline.server().meters().get("tapline.queries.running").gauge().value();
  }

  private static double waiting() {
    return tapline.server().meters().get("tapline.queries.waiting").gauge().value();
  }

  /** Runs {@code search} with a new read key and a deadline, in the background. */
  private static CompletableFuture<Outcome> search(SearchCallsRequest search, Duration deadline) {
    var stub =
        QueryServiceGrpc.newBlockingStub(tapline.channel(tapline.newKey(Set.of("read"), "")))
            .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            stub.searchCalls(search);
            return new Outcome(Status.Code.OK, "", System.nanoTime());
          } catch (StatusRuntimeException e) {
            return new Outcome(
                e.getStatus().getCode(),
                String.valueOf(e.getStatus().getDescription()),
                System.nanoTime());
          }
        },
        clients);
  }

  @Test
  void queriesOfOtherKeysWaitForTheRunningOneAndAWaiterThatGivesUpLeavesTheLine() throws Exception {
    CompletableFuture<Outcome> slow = search(SlowCalls.slowSearch(), Duration.ofSeconds(4));
    await().atMost(Duration.ofSeconds(10)).until(() -> running() == 1);

    // A waiter whose client gives up leaves the line without taking a turn.
    CompletableFuture<Outcome> impatient = search(SlowCalls.quickSearch(), Duration.ofMillis(1500));
    await().atMost(Duration.ofSeconds(5)).until(() -> waiting() == 1);
    assertThat(impatient.get().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    await().atMost(Duration.ofSeconds(5)).until(() -> waiting() == 0);
    assertThat(slow.isDone()).isFalse();

    // Alone, this search answers at once; here it waits, then runs once the slow one has ended.
    CompletableFuture<Outcome> quick = search(SlowCalls.quickSearch(), Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(() -> waiting() == 1 || quick.isDone());
    assertThat(quick.get().code()).isEqualTo(Status.Code.OK);
    assertThat(slow.get().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(quick.get().endedNanos()).isGreaterThanOrEqualTo(slow.get().endedNanos());
  }

  @Test
  void aQueryThatWaitsLongerThanTheTimeLimitIsRefusedWithAClearError() throws Exception {
    CompletableFuture<Outcome> first = search(SlowCalls.slowSearch(), Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(10)).until(() -> running() == 1);
    // Next in line: it runs after the first one ends at its 6 s limit, so a third one cannot
    // get a turn within its own wait of 6 s.
    CompletableFuture<Outcome> second = search(SlowCalls.slowSearch(), Duration.ofSeconds(8));
    await().atMost(Duration.ofSeconds(5)).until(() -> waiting() == 1);
    Outcome third = search(SlowCalls.quickSearch(), Duration.ofSeconds(30)).get();
    assertThat(third.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(third.description()).contains("query.max-concurrent");
    assertThat(first.get().code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED); // its time limit
    assertThat(second.get().code()).isNotEqualTo(Status.Code.OK);
  }
}
