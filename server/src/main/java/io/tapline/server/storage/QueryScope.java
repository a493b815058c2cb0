package io.tapline.server.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * The store work done for one request on one thread, so that it can be cancelled from another: when
 * the client of a query goes away, its ClickHouse queries are killed rather than left to run to
 * their time limit. Stores register what they run with {@link #register}; a request opens a scope
 * around its store calls and calls {@link #cancel} when it is cancelled. Thread-safe.
 */
public final class QueryScope implements AutoCloseable {

  private static final ThreadLocal<QueryScope> CURRENT = new ThreadLocal<>();

  /** Something a store runs that can be stopped. */
  @FunctionalInterface
  public interface Cancellable {
    void cancel() throws Exception;
  }

  private final List<Cancellable> running = new ArrayList<>();
  private final QueryScope outer;
  private boolean cancelled;

  private QueryScope(QueryScope outer) {
    this.outer = outer;
  }

  /** Opens a scope on this thread; close it when the request's store calls are done. */
  public static QueryScope open() {
    QueryScope scope = new QueryScope(CURRENT.get());
    CURRENT.set(scope);
    return scope;
  }

  /**
   * Registers work that has started on this thread with the current scope, if any; it is cancelled
   * at once when the scope was cancelled already.
   */
  public static void register(Cancellable work) {
    QueryScope scope = CURRENT.get();
    if (scope == null) {
      return;
    }
    boolean now;
    synchronized (scope) {
      now = scope.cancelled;
      if (!now) {
        scope.running.add(work);
      }
    }
    if (now) {
      cancelQuietly(work);
    }
  }

  /** Cancels what runs in this scope and what will. */
  public void cancel() {
    List<Cancellable> toCancel;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      toCancel = List.copyOf(running);
      running.clear();
    }
    toCancel.forEach(QueryScope::cancelQuietly);
  }

  private static void cancelQuietly(Cancellable work) {
    try {
      work.cancel();
    } catch (Exception e) {
      // The query ended meanwhile, or the store cannot be reached: its time limit applies.
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      running.clear();
    }
    if (CURRENT.get() == this) {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
  }
}
