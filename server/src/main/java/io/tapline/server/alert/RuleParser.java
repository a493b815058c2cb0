package io.tapline.server.alert;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.tapline.proto.v1.Aggregate;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.BurnRateCondition;
import io.tapline.proto.v1.Comparison;
import io.tapline.proto.v1.DriftCondition;
import io.tapline.proto.v1.Severity;
import io.tapline.proto.v1.Webhook;
import io.tapline.proto.v1.WindowedCondition;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.Times;
import io.tapline.server.storage.AlertRuleRecord;
import io.tapline.server.storage.DriftFeature;
import io.tapline.server.storage.DriftStore;
import io.tapline.server.storage.Names;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates rules as clients send them (every error names its field, from {@code rule.}) and turns
 * them into {@link Rule}s; also the stored form of a rule (its protobuf JSON).
 */
final class RuleParser {

  static final Duration MIN_WINDOW = Duration.ofSeconds(10);
  static final Duration MAX_WINDOW = Duration.ofHours(24);

  /** Per-call cooldown when the rule sets none: {@value} seconds. */
  static final long DEFAULT_COOLDOWN_SECONDS = 60;

  static final int MAX_CLAUSES = 20;
  static final int MAX_WEBHOOKS = 10;

  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private RuleParser() {}

  /** Validates a rule sent by a client, with its defaults filled in. */
  static AlertRule normalize(AlertRule rule) {
    AlertRule.Builder b = rule.toBuilder();
    if (rule.getService().isBlank()) {
      throw new InvalidRequestException("rule.service", "is required");
    }
    if (rule.getSeverity() == Severity.SEVERITY_UNSPECIFIED) {
      b.setSeverity(Severity.WARNING);
    } else if (rule.getSeverityValue() < 0 || rule.getSeverity() == Severity.UNRECOGNIZED) {
      throw new InvalidRequestException("rule.severity", "unknown severity");
    }
    switch (rule.getConditionCase()) {
      case CONDITION_NOT_SET ->
          throw new InvalidRequestException(
              "rule.condition",
              "one of per_call, windowed, absence, burn_rate or drift is required");
      case PER_CALL -> {
        if (rule.getPerCall().getClausesCount() == 0) {
          throw new InvalidRequestException(
              "rule.per_call.clauses", "at least one clause is required");
        }
        if (rule.getPerCall().getClausesCount() > MAX_CLAUSES) {
          throw new InvalidRequestException(
              "rule.per_call.clauses", "at most " + MAX_CLAUSES + " clauses");
        }
        for (int i = 0; i < rule.getPerCall().getClausesCount(); i++) {
          CallClauses.compile(rule.getPerCall().getClauses(i), "rule.per_call.clauses[" + i + "]");
        }
        if (rule.hasCooldown()) {
          duration(rule.getCooldown(), "rule.cooldown", Duration.ZERO, MAX_WINDOW);
        } else {
          b.setCooldown(
              com.google.protobuf.Duration.newBuilder().setSeconds(DEFAULT_COOLDOWN_SECONDS));
        }
      }
      case WINDOWED -> b.setWindowed(windowed(rule.getWindowed()));
      case ABSENCE ->
          duration(rule.getAbsence().getWindow(), "rule.absence.window", MIN_WINDOW, MAX_WINDOW);
      case BURN_RATE -> b.setBurnRate(burnRate(rule.getBurnRate()));
      case DRIFT -> b.setDrift(drift(rule.getDrift()));
    }
    if (rule.hasRenotifyInterval()) {
      duration(
          rule.getRenotifyInterval(), "rule.renotify_interval", Duration.ZERO, Duration.ofDays(7));
    }
    if (rule.getWebhooksCount() > MAX_WEBHOOKS) {
      throw new InvalidRequestException("rule.webhooks", "at most " + MAX_WEBHOOKS + " webhooks");
    }
    for (int i = 0; i < rule.getWebhooksCount(); i++) {
      Webhook hook = rule.getWebhooks(i);
      String path = "rule.webhooks[" + i + "]";
      try {
        URI uri = URI.create(hook.getUrl());
        // The host, address and the rest are the outbound guard's to judge, when the rule is
        // saved and at every delivery.
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException(path + ".url", "must be an http or https URL");
      }
      if (hook.getFormatValue() < 0
          || hook.getFormat() == io.tapline.proto.v1.WebhookFormat.UNRECOGNIZED) {
        throw new InvalidRequestException(path + ".format", "unknown format");
      }
    }
    return b.build();
  }

  private static WindowedCondition windowed(WindowedCondition w) {
    WindowedCondition.Builder b = w.toBuilder();
    if (w.getAggregate() == Aggregate.AGGREGATE_UNSPECIFIED
        || w.getAggregate() == Aggregate.UNRECOGNIZED) {
      throw new InvalidRequestException(
          "rule.windowed.aggregate",
          "is required: ERROR_RATE, LATENCY_P95, LATENCY_P99, REQUEST_COUNT or STATUS_CLASS_COUNT");
    }
    if (w.getAggregate() == Aggregate.STATUS_CLASS_COUNT) {
      if (w.getStatusClass() < 1 || w.getStatusClass() > 5) {
        throw new InvalidRequestException("rule.windowed.status_class", "must be 1 to 5");
      }
    } else if (w.getStatusClass() != 0) {
      throw new InvalidRequestException(
          "rule.windowed.status_class", "only valid with aggregate STATUS_CLASS_COUNT");
    }
    if (w.getComparison() == Comparison.UNRECOGNIZED) {
      throw new InvalidRequestException("rule.windowed.comparison", "must be ABOVE or BELOW");
    }
    if (w.getComparison() == Comparison.COMPARISON_UNSPECIFIED) {
      b.setComparison(Comparison.ABOVE);
    }
    boolean above = b.getComparison() == Comparison.ABOVE;
    if (!Double.isFinite(w.getThreshold()) || w.getThreshold() < 0) {
      throw new InvalidRequestException("rule.windowed.threshold", "must be a number >= 0");
    }
    if (w.getAggregate() == Aggregate.ERROR_RATE && w.getThreshold() > 1) {
      throw new InvalidRequestException(
          "rule.windowed.threshold", "an error rate is between 0 and 1");
    }
    if (w.hasResolveThreshold()) {
      double resolve = w.getResolveThreshold();
      if (!Double.isFinite(resolve)
          || (above ? resolve > w.getThreshold() : resolve < w.getThreshold())) {
        throw new InvalidRequestException(
            "rule.windowed.resolve_threshold",
            above ? "must be at most the threshold" : "must be at least the threshold");
      }
    } else {
      b.setResolveThreshold(w.getThreshold());
    }
    duration(w.getWindow(), "rule.windowed.window", MIN_WINDOW, MAX_WINDOW);
    if (w.getMinSamples() < 0) {
      throw new InvalidRequestException("rule.windowed.min_samples", "must be >= 0");
    }
    if (w.getResolveAfterEvaluations() < 0 || w.getResolveAfterEvaluations() > 1000) {
      throw new InvalidRequestException(
          "rule.windowed.resolve_after_evaluations", "must be 0 to 1000");
    }
    if (w.getResolveAfterEvaluations() == 0) {
      b.setResolveAfterEvaluations(1);
    }
    return b.build();
  }

  static final long DEFAULT_DRIFT_MIN_SAMPLES = 100;
  static final Duration MAX_REFERENCE = Duration.ofDays(30);

  private static DriftCondition drift(DriftCondition c) {
    DriftCondition.Builder b = c.toBuilder();
    String feature = c.getFeature();
    boolean numeric;
    if (feature.startsWith(DriftFeature.FIELD_PREFIX)) {
      if (!Names.FIELD.matcher(feature.substring(DriftFeature.FIELD_PREFIX.length())).matches()) {
        throw new InvalidRequestException(
            "rule.drift.feature", "field:<name> needs a field name (1 to 64 characters)");
      }
      numeric = true; // known once the service's fields are read
    } else {
      try {
        numeric = DriftFeature.of(feature, List.of()).numeric();
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException("rule.drift.feature", e.getMessage());
      }
    }
    switch (c.getMetric()) {
      case PSI, JENSEN_SHANNON -> {}
      case KS, WASSERSTEIN -> {
        if (!numeric) {
          throw new InvalidRequestException(
              "rule.drift.metric",
              c.getMetric() + " is for numeric features; " + feature + " is not");
        }
      }
      default ->
          throw new InvalidRequestException(
              "rule.drift.metric", "must be PSI, JENSEN_SHANNON, KS or WASSERSTEIN");
    }
    if (!Double.isFinite(c.getThreshold()) || c.getThreshold() <= 0) {
      throw new InvalidRequestException("rule.drift.threshold", "must be a number > 0");
    }
    if (c.hasResolveThreshold()
        && !(c.getResolveThreshold() >= 0 && c.getResolveThreshold() <= c.getThreshold())) {
      throw new InvalidRequestException(
          "rule.drift.resolve_threshold", "must be between 0 and the threshold");
    }
    duration(c.getWindow(), "rule.drift.window", MIN_WINDOW, MAX_WINDOW);
    if (!c.getBaseline().isEmpty()) {
      if (c.hasReferenceWindow() || c.hasReferenceOffset()) {
        throw new InvalidRequestException(
            "rule.drift.baseline", "give a baseline or a reference window, not both");
      }
    } else {
      if (!c.hasReferenceWindow()) {
        b.setReferenceWindow(Durations.fromHours(24));
      }
      duration(
          b.getReferenceWindow(),
          "rule.drift.reference_window",
          Duration.ofMinutes(1),
          MAX_REFERENCE);
      if (c.hasReferenceOffset()) {
        duration(
            c.getReferenceOffset(), "rule.drift.reference_offset", Duration.ZERO, MAX_REFERENCE);
      }
    }
    if (c.getMinSamples() < 0) {
      throw new InvalidRequestException("rule.drift.min_samples", "must be >= 0");
    }
    if (c.getMinSamples() == 0) {
      b.setMinSamples(DEFAULT_DRIFT_MIN_SAMPLES);
    }
    if (c.getBins() == 0) {
      b.setBins(DriftStore.DEFAULT_BINS);
    } else if (c.getBins() < 2 || c.getBins() > DriftStore.MAX_BINS) {
      throw new InvalidRequestException(
          "rule.drift.bins", "must be between 2 and " + DriftStore.MAX_BINS);
    }
    if (c.getCategories() == 0) {
      b.setCategories(DriftStore.DEFAULT_CATEGORIES);
    } else if (c.getCategories() < 1 || c.getCategories() > DriftStore.MAX_CATEGORIES) {
      throw new InvalidRequestException(
          "rule.drift.categories", "must be between 1 and " + DriftStore.MAX_CATEGORIES);
    }
    return b.build();
  }

  private static BurnRateCondition burnRate(BurnRateCondition c) {
    BurnRateCondition.Builder b = c.toBuilder();
    if (!(c.getTarget() > 0 && c.getTarget() < 1)) {
      throw new InvalidRequestException(
          "rule.burn_rate.target", "must be between 0 and 1, such as 0.999");
    }
    if (!Double.isFinite(c.getLatencyObjectiveMs()) || c.getLatencyObjectiveMs() < 0) {
      throw new InvalidRequestException("rule.burn_rate.latency_objective_ms", "must be >= 0");
    }
    if (!c.hasPeriod()) {
      b.setPeriod(Durations.fromDays(30));
    } else {
      duration(c.getPeriod(), "rule.burn_rate.period", Duration.ofHours(1), Duration.ofDays(90));
    }
    if (!c.hasLongWindow()) {
      b.setLongWindow(Durations.fromHours(1));
    }
    if (!c.hasShortWindow()) {
      b.setShortWindow(Durations.fromMinutes(5));
    }
    Duration longWindow =
        duration(b.getLongWindow(), "rule.burn_rate.long_window", MIN_WINDOW, MAX_WINDOW);
    Duration shortWindow =
        duration(b.getShortWindow(), "rule.burn_rate.short_window", MIN_WINDOW, MAX_WINDOW);
    if (shortWindow.compareTo(longWindow) >= 0) {
      throw new InvalidRequestException(
          "rule.burn_rate.short_window", "must be shorter than long_window");
    }
    if (c.getBurnRate() == 0) {
      b.setBurnRate(14.4);
    } else if (!Double.isFinite(c.getBurnRate()) || c.getBurnRate() < 0) {
      throw new InvalidRequestException("rule.burn_rate.burn_rate", "must be > 0");
    }
    if (c.getMinSamples() < 0) {
      throw new InvalidRequestException("rule.burn_rate.min_samples", "must be >= 0");
    }
    return b.build();
  }

  private static Duration duration(
      com.google.protobuf.Duration value, String field, Duration min, Duration max) {
    Duration d;
    try {
      d = Duration.ofSeconds(Durations.checkValid(value).getSeconds(), value.getNanos());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(field, "not a valid duration");
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new InvalidRequestException(
          field,
          "must be between "
              + Durations.toString(Times.duration(min))
              + " and "
              + Durations.toString(Times.duration(max))
              + "; got "
              + Durations.toString(value));
    }
    return d;
  }

  private static Duration java(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  /** A normalized rule ready to evaluate. */
  static Rule compile(AlertRule r) {
    Rule.Condition condition =
        switch (r.getConditionCase()) {
          case PER_CALL -> {
            List<CallClauses.Clause> clauses = new ArrayList<>();
            for (int i = 0; i < r.getPerCall().getClausesCount(); i++) {
              clauses.add(
                  CallClauses.compile(
                      r.getPerCall().getClauses(i), "rule.per_call.clauses[" + i + "]"));
            }
            yield new Rule.PerCall(List.copyOf(clauses));
          }
          case WINDOWED -> {
            WindowedCondition w = r.getWindowed();
            yield new Rule.Windowed(
                w.getAggregate(),
                w.getStatusClass(),
                w.getComparison() != Comparison.BELOW,
                w.getThreshold(),
                w.hasResolveThreshold() ? w.getResolveThreshold() : w.getThreshold(),
                java(w.getWindow()),
                w.getMinSamples(),
                Math.max(1, w.getResolveAfterEvaluations()));
          }
          case ABSENCE -> new Rule.Absence(java(r.getAbsence().getWindow()));
          case BURN_RATE -> {
            BurnRateCondition c = r.getBurnRate();
            yield new Rule.BurnRate(
                c.getTarget(),
                Math.round(c.getLatencyObjectiveMs() * 1000),
                java(c.getPeriod()),
                java(c.getLongWindow()),
                java(c.getShortWindow()),
                c.getBurnRate(),
                c.getMinSamples());
          }
          case DRIFT -> {
            DriftCondition d = r.getDrift();
            yield new Rule.Drift(
                d.getFeature(),
                d.getMetric(),
                d.getThreshold(),
                d.hasResolveThreshold() ? d.getResolveThreshold() : d.getThreshold(),
                java(d.getWindow()),
                d.getBaseline().isEmpty() ? java(d.getReferenceWindow()) : Duration.ZERO,
                java(d.getReferenceOffset()),
                d.getBaseline(),
                d.getMinSamples(),
                d.getBins(),
                d.getCategories());
          }
          case CONDITION_NOT_SET ->
              throw new IllegalStateException("rule " + r.getId() + " has no condition");
        };
    return new Rule(
        r,
        r.getId(),
        r.getService(),
        r.getRoute(),
        r.getCustomerId(),
        r.getPlan(),
        r.getSeverityValue(),
        r.getEnabled(),
        condition,
        r.hasRenotifyInterval() ? java(r.getRenotifyInterval()) : Duration.ZERO,
        r.hasCooldown() ? java(r.getCooldown()) : Duration.ofSeconds(DEFAULT_COOLDOWN_SECONDS));
  }

  /** The stored form: the rule's JSON, secrets included, timestamps in the record's columns. */
  static AlertRuleRecord toRecord(AlertRule rule) {
    try {
      AlertRule stored = rule.toBuilder().clearCreateTime().clearUpdateTime().build();
      return new AlertRuleRecord(
          rule.getId(),
          rule.getService(),
          PRINTER.print(stored),
          instant(rule.getCreateTime()),
          instant(rule.getUpdateTime()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static AlertRule fromRecord(AlertRuleRecord record) {
    try {
      AlertRule.Builder b = AlertRule.newBuilder();
      PARSER.merge(record.definition(), b);
      return b.setCreateTime(Timestamps.fromMillis(record.createdAt().toEpochMilli()))
          .setUpdateTime(Timestamps.fromMillis(record.updatedAt().toEpochMilli()))
          .build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored alert rule " + record.id() + " is unreadable", e);
    }
  }

  /** The rule as readers see it: webhook secrets replaced by has_secret. */
  static AlertRule redacted(AlertRule rule) {
    AlertRule.Builder b = rule.toBuilder();
    for (int i = 0; i < b.getWebhooksCount(); i++) {
      Webhook hook = b.getWebhooks(i);
      b.setWebhooks(i, hook.toBuilder().setHasSecret(!hook.getSecret().isEmpty()).clearSecret());
    }
    return b.build();
  }

  private static java.time.Instant instant(com.google.protobuf.Timestamp t) {
    return java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
