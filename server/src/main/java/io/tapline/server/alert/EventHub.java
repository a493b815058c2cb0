package io.tapline.server.alert;

import io.tapline.server.api.PerKeyLimit;
import io.tapline.server.storage.AlertEventFilter;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertEventStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the events table and hands every new event, in id order, to the live subscribers of this
 * replica. Events stored by this replica are read at once ({@link #poke}); those of other replicas
 * within {@code alerts.event-poll-interval}. Because the store's ids rise in the order events
 * become visible, following by id misses none.
 *
 * <p>Threading: polls run on one thread; {@link #position} and the switch of a subscriber to live
 * delivery are guarded by this object's monitor, so a subscriber catching up from the store and the
 * live feed meet without a gap or an overlap.
 */
final class EventHub implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(EventHub.class);
  static final int PAGE = 1000;

  private final AlertEventStore store;
  private final String origin;
  private final Consumer<AlertEventRecord> ownEvents;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("tapline-alert-events").daemon().factory());
  private final AtomicBoolean pollQueued = new AtomicBoolean();
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();

  /** Open subscriptions by API key id. */
  private final PerKeyLimit perKey;

  private long position;

  /**
   * @param maxPerKey how many subscriptions one API key may hold open
   */
  EventHub(
      AlertEventStore store, String origin, int maxPerKey, Consumer<AlertEventRecord> ownEvents) {
    this.store = store;
    this.perKey = new PerKeyLimit(maxPerKey);
    this.origin = origin;
    this.ownEvents = ownEvents;
  }

  void start(Duration pollInterval) {
    synchronized (this) {
      position = store.lastId();
    }
    poller.scheduleWithFixedDelay(
        this::pollSafely, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Reads new events now (this replica just stored some). */
  void poke() {
    if (pollQueued.compareAndSet(false, true)) {
      try {
        poller.execute(
            () -> {
              pollQueued.set(false);
              pollSafely();
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pollQueued.set(false);
      }
    }
  }

  private void pollSafely() {
    try {
      poll();
    } catch (RuntimeException e) {
      logger.warn("Reading new alert events failed; retrying: {}", e.getMessage());
    }
  }

  private void poll() {
    while (true) {
      long from;
      synchronized (this) {
        from = position;
      }
      List<AlertEventRecord> page = store.range(from, Long.MAX_VALUE, AlertEventFilter.ALL, PAGE);
      for (AlertEventRecord event : page) {
        synchronized (this) {
          position = event.id();
          for (Subscription subscription : subscriptions) {
            subscription.offerLive(event);
          }
        }
        if (origin.equals(event.origin())) {
          ownEvents.accept(event);
        }
      }
      if (page.size() < PAGE) {
        return;
      }
    }
  }

  /** The id of the last event handed to live subscribers. */
  synchronized long position() {
    return position;
  }

  /**
   * Adds a subscription unless its key has as many open as it may hold.
   *
   * @return false when the key has too many
   */
  boolean add(Subscription subscription) {
    if (!perKey.tryAcquire(subscription.keyId())) {
      return false;
    }
    subscriptions.add(subscription);
    return true;
  }

  void remove(Subscription subscription) {
    if (subscriptions.remove(subscription)) {
      perKey.release(subscription.keyId());
    }
  }

  /** Makes the subscription live when it has caught up with the position; true when it did. */
  synchronized boolean tryGoLive(Subscription subscription) {
    return subscription.goLiveIfCaughtUp(position);
  }

  int subscribers() {
    return subscriptions.size();
  }

  /** Events buffered for all subscribers of this replica. */
  int bufferedEvents() {
    int total = 0;
    for (Subscription subscription : subscriptions) {
      total += subscription.buffered();
    }
    return total;
  }

  @Override
  public void close() {
    poller.shutdownNow();
    for (Subscription subscription : subscriptions) {
      subscription.shutdown();
    }
  }
}
