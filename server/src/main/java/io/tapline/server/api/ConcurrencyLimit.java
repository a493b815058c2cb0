package io.tapline.server.api;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tapline.server.config.TaplineConfig;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How many calls of the given services (the query service) run at once.
 *
 * <ul>
 *   <li>Per API key, at most {@code query.max-concurrent-per-key} running or waiting: one key's
 *       burst of heavy queries cannot take every turn. A call past it is RESOURCE_EXHAUSTED at once
 *       (HTTP 429 for JSON clients).
 *   <li>In all, at most {@code query.max-concurrent} running; the others wait their turn in arrival
 *       order on their blocking thread, for at most {@code query.timeout}, then are
 *       RESOURCE_EXHAUSTED. This is what keeps CPU for ingest when queries pile up: each running
 *       query holds a few engine threads, and the rest of the engine's cores stay free of query
 *       work.
 * </ul>
 */
public final class ConcurrencyLimit implements ServerInterceptor {

  private final Set<String> services;
  private final PerKeyLimit perKey;
  private final int total;
  private final Duration maxWait;
  private final Turns turns;

  /**
   * @param services the gRPC service names whose calls count
   */
  public ConcurrencyLimit(Set<String> services, TaplineConfig.Query settings) {
    this.services = Set.copyOf(services);
    this.perKey = new PerKeyLimit(settings.maxConcurrentPerKey());
    this.total = settings.maxConcurrent();
    this.maxWait = settings.timeout();
    this.turns = new Turns(total);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!services.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String key = Principal.current().keyId();
    if (!perKey.tryAcquire(key)) {
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription(
              "this API key has "
                  + perKey.limit()
                  + " queries running or waiting already"
                  + " (query.max-concurrent-per-key); retry when one has finished"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    // Released when the request is done, however it ends (its log completes exactly once).
    ServiceRequestContext ctx = ServiceRequestContext.current();
    ctx.log().whenComplete().thenRun(() -> perKey.release(key));
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      @Override
      public void onHalfClose() {
        // A unary method runs here, on the blocking executor: it waits for its turn there, and
        // stops waiting when its client goes away.
        CompletableFuture<Void> turn = turns.take();
        ctx.whenRequestCancelling().thenRun(() -> turn.cancel(false));
        if (!await(turn)) {
          if (!ctx.isCancelled()) {
            call.close(
                Status.RESOURCE_EXHAUSTED.withDescription(
                    total
                        + " queries are running (query.max-concurrent) and this one waited "
                        + maxWait.toSeconds()
                        + " s for its turn; retry later"),
                new Metadata());
          }
          return;
        }
        try {
          if (!ctx.isCancelled()) {
            super.onHalfClose();
          }
        } finally {
          turns.give();
        }
      }
    };
  }

  /** Whether {@code turn} came within {@code maxWait}; if not, it is given up. */
  private boolean await(CompletableFuture<Void> turn) {
    try {
      turn.get(maxWait.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (CancellationException e) {
      return false; // its client went away
    } catch (TimeoutException e) {
      return !turn.cancel(false); // it may have come just now
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !turn.cancel(false);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a turn does not fail", e);
    }
  }

  /** Exports how many queries run and how many wait for their turn. */
  public void bindMetrics(MeterRegistry meters) {
    Gauge.builder("tapline.queries.running", turns, Turns::running)
        .description("Client queries running (at most query.max-concurrent)")
        .register(meters);
    Gauge.builder("tapline.queries.waiting", turns, Turns::waiting)
        .description("Client queries waiting for their turn")
        .register(meters);
  }
}
