package io.tapline.server.alert;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tapline.server.storage.AlertRuleRecord;
import io.tapline.server.storage.AlertRuleStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules, read from the store and cached as one immutable snapshot. A replica's own changes
 * invalidate the snapshot at once; another replica's change is seen when the snapshot expires,
 * after at most {@code ttl} (alerts.rule-cache-ttl). Windowed rules then act on it from their next
 * evaluation.
 */
final class Rules {

  private static final Logger logger = LoggerFactory.getLogger(Rules.class);

  /** An immutable view of every rule. */
  record Snapshot(List<Rule> all, Map<String, List<Rule>> perCallByService, List<Rule> windowed) {

    static Snapshot of(List<Rule> rules) {
      Map<String, List<Rule>> perCall = new HashMap<>();
      List<Rule> windowed = new ArrayList<>();
      for (Rule rule : rules) {
        if (!rule.enabled()) {
          continue;
        }
        if (rule.perCall()) {
          perCall.computeIfAbsent(rule.service(), s -> new ArrayList<>()).add(rule);
        } else {
          windowed.add(rule);
        }
      }
      perCall.replaceAll((s, list) -> List.copyOf(list));
      return new Snapshot(List.copyOf(rules), Map.copyOf(perCall), List.copyOf(windowed));
    }
  }

  private final AlertRuleStore store;
  private final LoadingCache<Boolean, Snapshot> cache;

  Rules(AlertRuleStore store, Duration ttl) {
    this.store = store;
    this.cache = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(1).build(k -> load());
  }

  private Snapshot load() {
    List<Rule> rules = new ArrayList<>();
    for (AlertRuleRecord record : store.list()) {
      try {
        rules.add(RuleParser.compile(RuleParser.fromRecord(record)));
      } catch (RuntimeException e) {
        logger.warn("Ignoring alert rule {}: {}", record.id(), e.getMessage());
      }
    }
    return Snapshot.of(rules);
  }

  /** The current snapshot; may throw when the store is unreachable and nothing is cached. */
  Snapshot snapshot() {
    return cache.get(Boolean.TRUE);
  }

  void invalidate() {
    cache.invalidateAll();
  }
}
