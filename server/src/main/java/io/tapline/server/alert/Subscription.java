package io.tapline.server.alert;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.tapline.proto.v1.Heartbeat;
import io.tapline.proto.v1.SubscribeAlertsResponse;
import io.tapline.server.api.TaplineExceptionHandler;
import io.tapline.server.storage.AlertEventFilter;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertEventStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One SubscribeAlerts stream. It first catches up from the store, one bounded page at a time and
 * only when the client has read the previous one, until it reaches the hub's position; then it
 * switches to live events (under the hub's lock, so none is missed or sent twice). Live events wait
 * in a buffer of at most {@code capacity}; when it overflows (a burst, or a slow client), the
 * buffer is dropped and the stream catches up from the store again, reading a page only when the
 * client took the previous one, so memory stays bounded. A client whose transport stays not ready
 * for {@code stallTimeout} while events wait for it is closed with RESOURCE_EXHAUSTED naming the id
 * to resume from.
 *
 * <p>Threading: messages are sent only from {@code eventLoop} (the call's), so they never
 * interleave; store reads run on {@code blocking}; the buffer and flags are guarded by this
 * object's monitor.
 */
final class Subscription {

  private final ServerCallStreamObserver<SubscribeAlertsResponse> call;
  private final EventHub hub;
  private final AlertEventStore store;
  private final AlertEventFilter filter;
  private final int capacity;
  private final Duration stallTimeout;

  /** When the client's transport stopped being ready while events waited; 0 when ready. */
  private long notReadySince;

  private final ScheduledExecutorService eventLoop;
  private final Executor blocking;

  /** The key that opened the stream, and the check that it is still valid. */
  private final String keyId;

  private final Runnable keyCheck;
  private final Duration keyCheckInterval;
  private ScheduledFuture<?> keyChecks;
  private final ArrayDeque<AlertEventRecord> buffer = new ArrayDeque<>();
  private ScheduledFuture<?> heartbeats;

  /** Every event with an id up to this one is sent, buffered or not wanted. */
  private long scanned;

  private long lastSent;
  private boolean live;
  private boolean fetching;
  private boolean closed;

  Subscription(
      ServerCallStreamObserver<SubscribeAlertsResponse> call,
      EventHub hub,
      AlertEventStore store,
      AlertEventFilter filter,
      int capacity,
      Duration stallTimeout,
      ScheduledExecutorService eventLoop,
      Executor blocking,
      String keyId,
      Runnable keyCheck,
      Duration keyCheckInterval) {
    this.call = call;
    this.hub = hub;
    this.store = store;
    this.filter = filter;
    this.capacity = capacity;
    this.stallTimeout = stallTimeout;
    this.eventLoop = eventLoop;
    this.blocking = blocking;
    this.keyId = keyId;
    this.keyCheck = keyCheck;
    this.keyCheckInterval = keyCheckInterval;
  }

  String keyId() {
    return keyId;
  }

  /**
   * Starts the stream: live at once without {@code afterId}, else after replaying what is stored.
   */
  void start(Long afterId, Duration heartbeatInterval) {
    call.setOnCancelHandler(this::shutdown);
    call.setOnReadyHandler(this::scheduleDrain);
    synchronized (this) {
      scanned = afterId == null ? hub.position() : afterId;
      lastSent = scanned;
    }
    hub.tryGoLive(this);
    // The first heartbeat goes at once: it tells the client (a browser showing "live", say)
    // that the subscription is open before any event happens.
    long every = heartbeatInterval.toMillis();
    heartbeats = eventLoop.scheduleAtFixedRate(this::heartbeat, 0, every, TimeUnit.MILLISECONDS);
    long checks = keyCheckInterval.toMillis();
    keyChecks =
        eventLoop.scheduleAtFixedRate(
            () -> blocking.execute(this::checkKey), checks, checks, TimeUnit.MILLISECONDS);
    scheduleDrain();
  }

  /** Called by the hub, under its lock, for every new event. */
  void offerLive(AlertEventRecord event) {
    synchronized (this) {
      if (closed || !live || event.id() <= scanned) {
        return;
      }
      scanned = event.id();
      if (!filter.matches(event)) {
        return;
      }
      if (buffer.size() >= capacity) {
        // More than the buffer holds: drop the buffered events and read them back from the
        // store, page by page, as the client takes them.
        buffer.clear();
        live = false;
        scanned = lastSent;
        return;
      }
      buffer.add(event);
    }
    scheduleDrain();
  }

  /** Called by the hub under its lock. */
  synchronized boolean goLiveIfCaughtUp(long position) {
    if (scanned >= position) {
      live = true;
    }
    return live;
  }

  synchronized int buffered() {
    return buffer.size();
  }

  private void scheduleDrain() {
    try {
      eventLoop.execute(this::drain);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      shutdown();
    }
  }

  /** Sends buffered events while the client can take them; fetches the next page when caught up. */
  private void drain() {
    while (true) {
      AlertEventRecord next;
      boolean fetch = false;
      synchronized (this) {
        if (closed) {
          return;
        }
        if (!call.isReady()) {
          if (notReadySince == 0) {
            notReadySince = System.nanoTime();
            eventLoop.schedule(this::checkStall, stallTimeout.toNanos(), TimeUnit.NANOSECONDS);
          }
          return;
        }
        notReadySince = 0;
        next = buffer.poll();
        if (next == null) {
          if (!live && !fetching) {
            fetching = true;
            fetch = true;
          }
        } else {
          lastSent = next.id();
        }
      }
      if (next == null) {
        if (fetch) {
          blocking.execute(this::fetchPage);
        }
        return;
      }
      call.onNext(SubscribeAlertsResponse.newBuilder().setEvent(Events.toProto(next)).build());
    }
  }

  /** Reads the next page of missed events, up to the hub's position, into the buffer. */
  private void fetchPage() {
    try {
      long upTo = hub.position();
      long from;
      synchronized (this) {
        from = scanned;
      }
      List<AlertEventRecord> page =
          from >= upTo ? List.of() : store.range(from, upTo, filter, capacity);
      synchronized (this) {
        if (closed) {
          return;
        }
        buffer.addAll(page);
        scanned = page.size() == capacity ? page.getLast().id() : Math.max(scanned, upTo);
        fetching = false;
      }
      hub.tryGoLive(this);
      scheduleDrain();
    } catch (RuntimeException e) {
      Status status = TaplineExceptionHandler.toStatus(e);
      synchronized (this) {
        closed = true;
      }
      eventLoop.execute(() -> finish(status));
    }
  }

  /**
   * Ends the stream with UNAUTHENTICATED once its key is revoked or expired: the key was checked
   * when the stream opened, and a stream may stay open for days. The check reads the key cache (a
   * store look-up when it expired), so it runs on the blocking executor.
   */
  private void checkKey() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    try {
      keyCheck.run();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNAUTHENTICATED) {
        return; // the store could not be read: the key is checked again at the next tick
      }
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        buffer.clear();
      }
      eventLoop.execute(() -> finish(e.getStatus()));
    } catch (RuntimeException e) {
      // The store could not be read: the key is checked again at the next tick.
    }
  }

  private void heartbeat() {
    synchronized (this) {
      if (closed || !buffer.isEmpty() || !call.isReady()) {
        return;
      }
    }
    call.onNext(
        SubscribeAlertsResponse.newBuilder()
            .setHeartbeat(
                Heartbeat.newBuilder().setTime(Timestamps.fromMillis(System.currentTimeMillis())))
            .build());
  }

  /** Closes the stream when the client has not been ready for the whole stall timeout. */
  private void checkStall() {
    synchronized (this) {
      if (closed || notReadySince == 0) {
        return;
      }
      long waited = System.nanoTime() - notReadySince;
      if (waited < stallTimeout.toNanos() || call.isReady()) {
        if (call.isReady()) {
          notReadySince = 0;
          eventLoop.execute(this::drain);
        } else {
          eventLoop.schedule(
              this::checkStall, stallTimeout.toNanos() - waited, TimeUnit.NANOSECONDS);
        }
        return;
      }
      closed = true;
      buffer.clear();
    }
    closeTooSlow();
  }

  private void closeTooSlow() {
    long resumeFrom;
    synchronized (this) {
      resumeFrom = lastSent;
    }
    finish(
        Status.RESOURCE_EXHAUSTED.withDescription(
            "subscriber too slow: it read nothing for "
                + stallTimeout.toMillis()
                + " ms while events waited; resume with after_id="
                + resumeFrom));
  }

  private void finish(Status status) {
    hub.remove(this);
    cancelTimers();
    try {
      call.onError(status.asRuntimeException());
    } catch (IllegalStateException e) {
      // Already cancelled or closed by the client.
    }
  }

  /** Frees the stream's resources: the client cancelled, or the server stops. */
  void shutdown() {
    synchronized (this) {
      closed = true;
      buffer.clear();
    }
    hub.remove(this);
    cancelTimers();
  }

  private void cancelTimers() {
    if (heartbeats != null) {
      heartbeats.cancel(false);
    }
    if (keyChecks != null) {
      keyChecks.cancel(false);
    }
  }
}
