package io.tapline.server.alert;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tapline.proto.v1.DriftMetric;
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
 * slot compared with its reference, by the {@link DriftStore}. A reference window's histograms are
 * kept and computed again only when the window has moved by a 24th of its length (at least a
 * minute, at most an hour): the reference is the costlier half and hardly changes between two
 * evaluations.
 */
final class DriftMeasure {

  /** A rule's reference histograms and the slot they were computed for. */
  private record Reference(long slot, DriftHistogram histogram) {}

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

  /** A score compared with a threshold, or null when there is not enough to compare. */
  record Score(double value, long referenceCalls, long currentCalls) {}

  /**
   * The rule's score for the window ending at {@code slotMillis}, or null when the feature cannot
   * be read (a field the service no longer extracts, a deleted baseline) or either window has fewer
   * than the rule's minimum of calls.
   */
  Score score(Rule rule, Rule.Drift d, long slotMillis) {
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
    Double value =
        switch (d.metric()) {
          case PSI -> result.psi();
          case JENSEN_SHANNON -> result.jensenShannon();
          case KS -> result.ks();
          case WASSERSTEIN -> result.wasserstein();
          case DRIFT_METRIC_UNSPECIFIED, UNRECOGNIZED -> null;
        };
    return value == null
        ? null
        : new Score(value, result.reference().total(), result.current().total());
  }

  private DriftHistogram reference(
      Rule rule, Rule.Drift d, CallCriteria scope, Instant currentStart, long slotMillis) {
    if (!d.baseline().isEmpty()) {
      return baselines
          .get(DriftBaselineRecord.id(rule.service(), d.baseline()))
          .flatMap(
              b ->
                  b.histograms().stream()
                      .filter(h -> h.feature().name().equals(d.feature()))
                      .findFirst())
          .orElse(null);
    }
    long refresh =
        Math.clamp(d.referenceWindow().toMillis() / 24, 60_000L, Duration.ofHours(1).toMillis());
    String key = rule.id() + "@" + rule.proto().getUpdateTime();
    Reference kept = references.getIfPresent(key);
    if (kept != null && slotMillis - kept.slot() < refresh) {
      return kept.histogram();
    }
    DriftFeature feature;
    try {
      List<FieldRule> fields =
          services.get(rule.service()).map(ServiceRecord::fields).orElse(List.of());
      feature = DriftFeature.of(d.feature(), fields);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!feature.numeric()
        && (d.metric() == DriftMetric.KS || d.metric() == DriftMetric.WASSERSTEIN)) {
      return null;
    }
    Instant end = currentStart.minus(d.referenceOffset());
    DriftHistogram histogram =
        drift
            .reference(
                scope.withTimeRange(end.minus(d.referenceWindow()), end),
                List.of(feature),
                d.bins(),
                d.categories())
            .getFirst();
    references.put(key, new Reference(slotMillis, histogram));
    return histogram;
  }
}
