package io.tapline.server.alert;

import io.tapline.proto.v1.AlertEventKind;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertEventStore;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.IngestListener;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-call rules. The ingest path only queues each committed batch (a bounded queue; when it is
 * full the batch skips per-call rules and is counted, so ingest never waits); one worker thread
 * checks every call against the rules of its service and stores the resulting events.
 *
 * <p>Cooldown: a rule's first match emits an event at once; further matches within the cooldown are
 * counted and reported as one event (count, a few sample ids) when it ends, so a storm gives a
 * count, not a flood. Cooldown state is per replica.
 */
final class PerCallEvaluator implements IngestListener, AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(PerCallEvaluator.class);
  static final int SAMPLES = 5;

  private final Rules rules;
  private final AlertEventStore store;
  private final EventHub hub;
  private final String origin;
  private final Clock clock;
  private final ThreadPoolExecutor worker;
  private final AtomicLong skippedBatches = new AtomicLong();

  /** Touched by the worker thread only. */
  private final Map<String, Cooldown> cooldowns = new HashMap<>();

  private static final class Cooldown {
    Rule rule;
    Instant lastEmit = Instant.EPOCH;
    Instant firstPending;
    long pending;
    double lastValue = Double.NaN;
    final List<String> samples = new ArrayList<>();
  }

  PerCallEvaluator(
      Rules rules, AlertEventStore store, EventHub hub, String origin, int queue, Clock clock) {
    this.rules = rules;
    this.store = store;
    this.hub = hub;
    this.origin = origin;
    this.clock = clock;
    this.worker =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queue),
            Thread.ofPlatform().name("tapline-alert-per-call").daemon().factory());
  }

  @Override
  public void committed(List<CallRecord> calls) {
    if (calls.isEmpty()) {
      return;
    }
    try {
      worker.execute(() -> evaluate(calls));
    } catch (RejectedExecutionException e) {
      long skipped = skippedBatches.incrementAndGet();
      if (skipped == 1 || skipped % 1000 == 0) {
        logger.warn("Per-call alert rules are behind; {} batches skipped them so far", skipped);
      }
    }
  }

  /** Emits the counts of cooldowns that ended; called periodically. */
  void tick() {
    try {
      worker.execute(() -> flush(List.of()));
    } catch (RejectedExecutionException e) {
      // Busy: the next batch or tick flushes.
    }
  }

  private void evaluate(List<CallRecord> calls) {
    Rules.Snapshot snapshot;
    try {
      snapshot = rules.snapshot();
    } catch (RuntimeException e) {
      logger.warn("Per-call rules unavailable: {}", e.getMessage());
      return;
    }
    Instant now = clock.instant();
    List<AlertEventRecord> events = new ArrayList<>();
    for (CallRecord call : calls) {
      List<Rule> candidates = snapshot.perCallByService().get(call.service());
      if (candidates == null) {
        continue;
      }
      for (Rule rule : candidates) {
        if (!inScope(rule, call)
            || !CallClauses.matches(((Rule.PerCall) rule.condition()).clauses(), call)) {
          continue;
        }
        Cooldown c = cooldowns.computeIfAbsent(rule.id(), id -> new Cooldown());
        c.rule = rule;
        if (c.pending == 0) {
          c.firstPending = call.timestamp();
        }
        c.pending++;
        c.lastValue = value(rule, call);
        if (c.samples.size() < SAMPLES) {
          c.samples.add(call.id());
        }
        if (!now.isBefore(c.lastEmit.plus(rule.cooldown()))) {
          events.add(emit(c, now));
        }
      }
    }
    flush(events);
  }

  private void flush(List<AlertEventRecord> events) {
    List<AlertEventRecord> all = new ArrayList<>(events);
    Instant now = clock.instant();
    for (Cooldown c : cooldowns.values()) {
      if (c.pending > 0 && !now.isBefore(c.lastEmit.plus(c.rule.cooldown()))) {
        all.add(emit(c, now));
      }
    }
    cooldowns
        .values()
        .removeIf(c -> c.pending == 0 && now.isAfter(c.lastEmit.plus(c.rule.cooldown())));
    for (int from = 0; from < all.size(); from += AlertEventStore.MAX_EVENTS_PER_APPEND) {
      List<AlertEventRecord> chunk =
          all.subList(from, Math.min(all.size(), from + AlertEventStore.MAX_EVENTS_PER_APPEND));
      try {
        store.append("pc-" + UUID.randomUUID(), chunk);
      } catch (RuntimeException e) {
        logger.warn(
            "{} per-call alert events could not be stored: {}", chunk.size(), e.getMessage());
      }
    }
    if (!all.isEmpty()) {
      hub.poke();
    }
  }

  private AlertEventRecord emit(Cooldown c, Instant now) {
    Rule rule = c.rule;
    CallClauses.Clause numeric = firstNumeric(rule);
    AlertEventRecord event =
        new AlertEventRecord(
            0,
            "pc-" + UUID.randomUUID(),
            rule.id(),
            rule.proto().getName(),
            rule.service(),
            rule.severity(),
            AlertEventKind.TRIGGERED_VALUE,
            numeric == null ? 1 : c.lastValue,
            numeric == null ? 0 : numeric.operand(),
            rule.cooldown().toMillis(),
            c.firstPending,
            now,
            now,
            c.samples,
            c.pending,
            rule.proto().getDescription(),
            origin);
    c.lastEmit = now;
    c.pending = 0;
    c.samples.clear();
    return event;
  }

  private static CallClauses.Clause firstNumeric(Rule rule) {
    for (CallClauses.Clause clause : ((Rule.PerCall) rule.condition()).clauses()) {
      if (clause.number() != null) {
        return clause;
      }
    }
    return null;
  }

  private static double value(Rule rule, CallRecord call) {
    CallClauses.Clause numeric = firstNumeric(rule);
    return numeric == null ? 1 : numeric.number().apply(call);
  }

  static boolean inScope(Rule rule, CallRecord call) {
    return (rule.route().isEmpty() || rule.route().equals(call.route()))
        && (rule.customerId().isEmpty() || rule.customerId().equals(call.customerId()))
        && (rule.plan().isEmpty() || rule.plan().equals(call.plan()));
  }

  /** Batches waiting for the worker. */
  int queued() {
    return worker.getQueue().size();
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
