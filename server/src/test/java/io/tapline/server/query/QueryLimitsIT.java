package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.testing.TestTapline;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client queries cannot hold the engine: each has a server-side time limit, a request whose client
 * goes away has its query killed, and one key may run only so many at once (searches are made slow
 * by {@link SlowCalls}).
 */
class QueryLimitsIT {

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline()
          .withFlags(
              "--query.timeout=6s", "--query.max-concurrent-per-key=2", "--query.max-concurrent=4");

  @BeforeAll
  static void slowCalls() throws Exception {
    SlowCalls.install(tapline);
  }

  private static long runningSearches() throws Exception {
    return SlowCalls.runningSearches(tapline);
  }

  private static SearchCallsRequest search() {
    return SlowCalls.slowSearch();
  }

  @Test
  void aQueryPastItsTimeLimitIsStoppedWithAClearError() throws Exception {
    long before = SlowCalls.failedSelects(tapline);
    assertThatThrownBy(
            () -> QueryServiceGrpc.newBlockingStub(tapline.channel()).searchCalls(search()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription()).contains("query.timeout");
            });
    // Stopped once: the driver does not run a query again after it hit its limit.
    assertThat(SlowCalls.failedSelects(tapline) - before).isEqualTo(1);
  }

  @Test
  void aCancelledRequestHasItsQueryKilled() throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> runningSearches() == 0);
    assertThatThrownBy(
            () ->
                QueryServiceGrpc.newBlockingStub(tapline.channel())
                    .withDeadlineAfter(1, TimeUnit.SECONDS)
                    .searchCalls(search()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    // Killed when its client gave up, well before its own time limit would have stopped it.
    await().atMost(Duration.ofSeconds(4)).until(() -> runningSearches() == 0);
  }

  @Test
  void aKeyRunsOnlySoManyQueriesAtOnce() throws Exception {
    String key = tapline.newKey(Set.of("read"), "");
    var stub = QueryServiceGrpc.newBlockingStub(tapline.channel(key));
    var clients = java.util.concurrent.Executors.newFixedThreadPool(2);
    CompletableFuture<?> first =
        CompletableFuture.runAsync(() -> stub.searchCalls(search()), clients);
    CompletableFuture<?> second =
        CompletableFuture.runAsync(() -> stub.searchCalls(search()), clients);
    await().atMost(Duration.ofSeconds(10)).until(() -> runningSearches() >= 2);
    assertThatThrownBy(() -> stub.searchCalls(search()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription()).contains("query.max-concurrent-per-key");
            });
    // Another key is not held back by this one's queries.
    assertThat(
            QueryServiceGrpc.newBlockingStub(tapline.channel())
                .searchCalls(SlowCalls.quickSearch())
                .getCallsCount())
        .isZero();
    first.handle((v, t) -> null).join();
    second.handle((v, t) -> null).join();
    clients.shutdown();
    // Their places are free again once they ended.
    assertThat(stub.searchCalls(SlowCalls.quickSearch()).getCallsCount()).isZero();
  }
}
