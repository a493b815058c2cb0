package io.tapline.server.auth;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.api.TaplineExceptionHandler;
import java.util.Map;

/**
 * Authenticates every gRPC call, framed or transcoded from JSON, from its {@code authorization:
 * Bearer <key>} header, checks the scope the service needs, and makes the caller available as
 * {@link Principal#current()}. Finer checks (which service a key may touch) are the services' own.
 *
 * <p>Health checks need no key, so load balancers can probe.
 */
public final class AuthInterceptor implements ServerInterceptor {

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The scope each gRPC service needs; services not listed need any valid key. */
  private final Map<String, Scope> requiredScopes;

  private final Authenticator authenticator;

  public AuthInterceptor(Authenticator authenticator, Map<String, Scope> requiredScopes) {
    this.authenticator = authenticator;
    this.requiredScopes = Map.copyOf(requiredScopes);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if ("grpc.health.v1.Health".equals(service)) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    Principal principal;
    try {
      principal = check(header, ServiceRequestContext.currentOrNull(), requiredScopes.get(service));
    } catch (StatusRuntimeException e) {
      return refuse(call, e.getStatus());
    }
    String key = header.substring(7).strip();
    Runnable recheck =
        () -> {
          if (authenticator.authenticate(key) instanceof Authenticator.Refused(String reason)) {
            throw Status.UNAUTHENTICATED.withDescription(reason).asRuntimeException();
          }
        };
    Context context =
        Context.current()
            .withValue(Principal.CONTEXT_KEY, principal)
            .withValue(Principal.RECHECK_KEY, recheck);
    return Contexts.interceptCall(context, call, headers, next);
  }

  /**
   * The caller of a request with this {@code authorization} header (null when absent), which must
   * have {@code required} (null: any scope). Also for HTTP services outside gRPC.
   *
   * @throws StatusRuntimeException UNAUTHENTICATED without a valid key, RESOURCE_EXHAUSTED (the
   *     retry delay set on {@code ctx}) while the client address may not try, PERMISSION_DENIED
   *     without the scope
   */
  public Principal check(String header, ServiceRequestContext ctx, Scope required) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw Status.UNAUTHENTICATED
          .withDescription("an API key is required: send the header 'authorization: Bearer <key>'")
          .asRuntimeException();
    }
    String key = header.substring(7).strip();
    String address = ctx == null ? "" : ctx.clientAddress().getHostAddress();
    Authenticator.Result result = authenticator.authenticate(key, address);
    if (result instanceof Authenticator.Refused(String reason)) {
      throw Status.UNAUTHENTICATED.withDescription(reason).asRuntimeException();
    }
    if (result instanceof Authenticator.TryLater(String reason, java.time.Duration retryAfter)) {
      if (ctx != null) {
        ctx.setAttr(TaplineExceptionHandler.RETRY_AFTER, retryAfter);
      }
      throw Status.RESOURCE_EXHAUSTED.withDescription(reason).asRuntimeException();
    }
    Principal principal = ((Authenticator.Authenticated) result).principal();
    if (required != null && !principal.has(required)) {
      throw Status.PERMISSION_DENIED
          .withDescription(
              "this API key lacks the "
                  + required.name().toLowerCase(java.util.Locale.ROOT)
                  + " scope")
          .asRuntimeException();
    }
    return principal;
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
