package io.tapline.server.api;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.tapline.server.storage.QueryScope;

/**
 * Kills the ClickHouse queries of a request whose client went away (cancelled, deadline passed,
 * connection lost): a unary method runs inside a {@link QueryScope}, which the request's
 * cancellation cancels. Without it, an abandoned search ran on to its time limit.
 */
public final class QueryCancellation implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    ServerCall.Listener<Q> listener = next.startCall(call, headers);
    if (ctx == null || !call.getMethodDescriptor().getType().clientSendsOneMessage()) {
      return listener;
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onHalfClose() {
        // A unary or server-streaming method runs here, on the blocking executor.
        try (QueryScope scope = QueryScope.open()) {
          ctx.whenRequestCancelling().thenRun(scope::cancel);
          super.onHalfClose();
        }
      }
    };
  }
}
