package io.tapline.server.api;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Who is calling: the API key that authenticated the request and what it may do. Services read it
 * with {@link #current()}; the {@link AuthInterceptor} sets it for every authenticated call.
 *
 * @param keyId the key's public id (never the secret)
 * @param service the service a non-admin key is bound to; empty for all services
 * @param customerId customer stamped on the calls this key ingests; may be empty
 * @param plan usage plan stamped on the calls this key ingests; may be empty
 */
public record Principal(
    String keyId, Set<Scope> scopes, String service, String customerId, String plan) {

  public static final Context.Key<Principal> CONTEXT_KEY = Context.key("tapline-principal");

  /** Checks again the key of the current call; set by the {@link AuthInterceptor}. */
  public static final Context.Key<Runnable> RECHECK_KEY = Context.key("tapline-key-recheck");

  public Principal {
    scopes = Set.copyOf(scopes);
  }

  /**
   * The caller of the current gRPC call; fails with UNAUTHENTICATED outside an authenticated call.
   */
  public static Principal current() {
    Principal principal = CONTEXT_KEY.get();
    if (principal == null) {
      throw Status.UNAUTHENTICATED.withDescription("no API key").asRuntimeException();
    }
    return principal;
  }

  /**
   * Checks that the key of the current call is still valid, for long-lived streams that
   * authenticated once at their start. Lookups go through the authenticator's cache, so a
   * revocation is seen within {@code auth.cache-ttl}. Throws UNAUTHENTICATED when the key was
   * revoked or expired meanwhile; does nothing outside an authenticated call.
   */
  public static void requireStillValid() {
    Runnable recheck = RECHECK_KEY.get();
    if (recheck != null) {
      recheck.run();
    }
  }

  /**
   * The check of the current call's key, for a stream to run later on other threads: throws
   * UNAUTHENTICATED when the key was revoked or expired since. Does nothing outside an
   * authenticated call.
   */
  public static Runnable keyCheck() {
    Runnable recheck = RECHECK_KEY.get();
    return recheck != null ? recheck : () -> {};
  }

  public boolean isAdmin() {
    return scopes.contains(Scope.ADMIN);
  }

  /**
   * True when this key may use {@code scope} on {@code serviceName}. Admin keys may do anything.
   */
  public boolean allows(Scope scope, String serviceName) {
    if (isAdmin()) {
      return true;
    }
    return scopes.contains(scope) && (service.isEmpty() || service.equals(serviceName));
  }

  /** True when this key may use {@code scope} at all, for some service. */
  public boolean has(Scope scope) {
    return isAdmin() || scopes.contains(scope);
  }

  /** The one service this key is limited to, or empty when it sees all (admin or unbound). */
  public String serviceRestriction() {
    return isAdmin() ? "" : service;
  }

  /**
   * The service a request may see: the requested one (empty: any) when this key sees all, else this
   * key's own.
   *
   * @param refusal what to throw when a bound key's request names another service
   */
  public String serviceFor(String requested, Supplier<? extends RuntimeException> refusal) {
    String bound = serviceRestriction();
    if (bound.isEmpty()) {
      return requested;
    }
    if (!requested.isEmpty() && !requested.equals(bound)) {
      throw refusal.get();
    }
    return bound;
  }

  /** Throws PERMISSION_DENIED unless this key may use {@code scope} on {@code serviceName}. */
  public void require(Scope scope, String serviceName) {
    if (!allows(scope, serviceName)) {
      throw denied(scope, serviceName);
    }
  }

  /** PERMISSION_DENIED: this key lacks {@code scope} for {@code serviceName}. */
  public StatusRuntimeException denied(Scope scope, String serviceName) {
    return Status.PERMISSION_DENIED
        .withDescription(
            "this API key lacks the "
                + scope.name().toLowerCase(java.util.Locale.ROOT)
                + " scope for service '"
                + serviceName
                + "'")
        .asRuntimeException();
  }
}
