package io.tapline.server.api;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tapline.server.auth.Principal;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most {@code limit} calls of the given services at once per API key: one key's burst of
 * heavy queries cannot take every connection of the query pool. A call past the limit is
 * RESOURCE_EXHAUSTED at once (HTTP 429 for JSON clients).
 */
public final class ConcurrencyLimit implements ServerInterceptor {

  private final Set<String> services;
  private final int limit;
  private final Map<String, Integer> running = new ConcurrentHashMap<>();

  /** @param services the gRPC service names whose calls count */
  public ConcurrencyLimit(Set<String> services, int limit) {
    this.services = Set.copyOf(services);
    this.limit = limit;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!services.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String key = Principal.current().keyId();
    if (!acquire(key)) {
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription(
              "this API key runs " + limit + " queries at once already"
                  + " (query.max-concurrent-per-key); retry when one has finished"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    // Released when the request is done, however it ends (its log completes exactly once).
    ServiceRequestContext ctx = ServiceRequestContext.current();
    ctx.log()
        .whenComplete()
        .thenRun(() -> running.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1));
    return next.startCall(call, headers);
  }

  private boolean acquire(String key) {
    boolean[] acquired = {false};
    running.compute(
        key,
        (k, n) -> {
          int count = n == null ? 0 : n;
          if (count >= limit) {
            return n;
          }
          acquired[0] = true;
          return count + 1;
        });
    return acquired[0];
  }

  /** Calls running now for {@code key}, for tests and metrics. */
  int running(String key) {
    return running.getOrDefault(key, 0);
  }
}
