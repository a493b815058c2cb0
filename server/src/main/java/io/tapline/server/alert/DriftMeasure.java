package io.tapline.server.alert;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.DriftBaselineRecord;
import io.tapline.server.storage.DriftBaselineStore;
import io.tapline.server.storage.DriftFeature;
import io.tapline.server.storage.DriftHistogram;
import io.tapline.server.storage.DriftResult;
import io.tapline.server.storage.DriftStore;
import io.tapline.server.storage.FieldRule;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The score a drift rule watches, at one evaluation: the rule's calls in the window ending at the
 * slot compared with its reference, by the {@link DriftStore}. The reference is kept between
 * evaluations ({@link #reference}): it is the costlier half and hardly changes from one to the
 * next.
 */
final class DriftMeasure {

  /** A rule's reference histograms and the slot they were computed for. */
  private record Reference(long slot, DriftHistogram histogram) {}

  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;

  private final DriftStore drift;
  private final DriftBaselineStore baselines;
  private final ServiceStore services;
  private final Cache<String, Reference> references =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterAccess(Duration.ofHours(2)).build();

  DriftMeasure(DriftStore drift, DriftBaselineStore baselines, ServiceStore services) {
    this.drift = drift;
    this.baselines = baselines;
    this.services = services;
  }

  /**
   * The rule's score for the window ending at {@code slotMillis}, or null when there is nothing to
   * compare: the feature cannot be read (a field the service no longer extracts, a deleted
   * baseline), the metric does not apply to it, or either window has fewer than the rule's minimum
   * of calls.
   */
  Double score(Rule rule, Rule.Drift d, long slotMillis) {
    // The calls the rule watches: its service, narrowed to its route, customer or plan.
    CallCriteria scope =
        CallCriteria.of(rule.service(), rule.route(), rule.customerId(), rule.plan());
    Instant end = Instant.ofEpochMilli(slotMillis);
    Instant start = end.minus(d.window());
    DriftHistogram reference = reference(rule, d, scope, start, slotMillis);
    if (reference == null || reference.total() < d.minSamples()) {
      return null;
    }
    DriftResult result =
        drift.compare(scope.withTimeRange(start, end), List.of(reference)).getFirst();
    if (result.current().total() < d.minSamples()) {
      return null;
    }
    return switch (d.metric()) {
      case PSI -> result.psi();
      case JENSEN_SHANNON -> result.jensenShannon();
      case KS -> result.ks();
      case WASSERSTEIN -> result.wasserstein();
      case DRIFT_METRIC_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  /**
   * The rule's reference histogram, or null when it cannot be had. Kept between evaluations: a
   * baseline's for a minute (it changes only when saved again), a reference window's until the
   * window has moved by a 24th of its length (at least a minute, at most an hour).
   */
  private DriftHistogram reference(
      Rule rule, Rule.Drift d, CallCriteria scope, Instant currentStart, long slotMillis) {
    long refresh =
        d.baseline().isEmpty()
            ? Math.clamp(d.referenceWindow().toMillis() / 24, MINUTE, HOUR)
            : MINUTE;
    String key = rule.id() + "@" + rule.proto().getUpdateTime();
    Reference kept = references.getIfPresent(key);
    if (kept != null && slotMillis - kept.slot() < refresh) {
      return kept.histogram();
    }
    DriftHistogram histogram =
        d.baseline().isEmpty()
            ? window(rule, d, scope, currentStart)
            : baselines
                .get(DriftBaselineRecord.id(rule.service(), d.baseline()))
                .flatMap(
                    b ->
                        b.histograms().stream()
                            .filter(h -> h.feature().name().equals(d.feature()))
                            .findFirst())
                .orElse(null);
    references.put(key, new Reference(slotMillis, histogram));
    return histogram;
  }

  /** The histogram of the reference window before {@code currentStart}, or null. */
  private DriftHistogram window(Rule rule, Rule.Drift d, CallCriteria scope, Instant currentStart) {
    DriftFeature feature;
    try {
      List<FieldRule> fields =
          services.get(rule.service()).map(ServiceRecord::fields).orElse(List.of());
      feature = DriftFeature.of(d.feature(), fields);
    } catch (IllegalArgumentException e) {
      return null;
    }
    Instant end = currentStart.minus(d.referenceOffset());
    return drift
        .reference(
            scope.withTimeRange(end.minus(d.referenceWindow()), end),
            List.of(feature),
            d.bins(),
            d.categories())
        .getFirst();
  }
}
