package io.tapline.server.query;

import io.grpc.Status;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.StatusClass;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Times;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.FieldCondition;
import io.tapline.server.storage.LabelCondition;
import io.tapline.server.storage.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a request's {@link CallFilter} into {@link CallCriteria}: validates every field (naming it
 * when refused), applies the caller's service scope, and fills in the default time window.
 */
final class Filters {

  private Filters() {}

  /**
   * The criteria for {@code filter} as seen by {@code principal}.
   *
   * @param defaultWindow how far back a filter without start_time reaches from its end
   * @param now the end of a filter without end_time
   * @param defaultStart the start to use when the filter has none (from a page token), or null to
   *     derive it from {@code defaultWindow}
   */
  static CallCriteria toCriteria(
      CallFilter filter,
      Principal principal,
      Duration defaultWindow,
      Instant now,
      Instant defaultStart) {
    String service = scopedService(filter.getService(), principal);
    Instant end = filter.hasEndTime() ? Times.instant(filter.getEndTime(), "filter.end_time") : now;
    Instant start;
    if (filter.hasStartTime()) {
      start = Times.instant(filter.getStartTime(), "filter.start_time");
    } else {
      start = defaultStart != null ? defaultStart : end.minus(defaultWindow);
    }
    if (!start.isBefore(end)) {
      throw new InvalidRequestException("filter.end_time", "must be after filter.start_time");
    }
    if (filter.getStatusCode() != 0
        && (filter.getStatusCode() < 100 || filter.getStatusCode() > 599)) {
      throw new InvalidRequestException("filter.status_code", "must be between 100 and 599");
    }
    Set<Integer> classes = new HashSet<>();
    for (int i = 0; i < filter.getStatusClassesCount(); i++) {
      StatusClass statusClass = filter.getStatusClasses(i);
      if (statusClass == StatusClass.STATUS_CLASS_UNSPECIFIED
          || statusClass == StatusClass.UNRECOGNIZED) {
        throw new InvalidRequestException(
            "filter.status_classes", "unknown status class " + filter.getStatusClassesValue(i));
      }
      classes.add(statusClass.getNumber());
    }
    Long min =
        filter.hasMinLatencyMs() ? micros(filter.getMinLatencyMs(), "filter.min_latency_ms") : null;
    Long max =
        filter.hasMaxLatencyMs() ? micros(filter.getMaxLatencyMs(), "filter.max_latency_ms") : null;
    if (min != null && max != null && min > max) {
      throw new InvalidRequestException(
          "filter.max_latency_ms", "must not be below filter.min_latency_ms");
    }
    for (String key : filter.getTagsMap().keySet()) {
      if (key.isEmpty()) {
        throw new InvalidRequestException("filter.tags", "tag names must not be empty");
      }
    }
    return new CallCriteria(
        service,
        start,
        end,
        filter.getStatusCode(),
        filter.getMethod(),
        filter.getRoute(),
        filter.getPathPrefix(),
        filter.getPathContains(),
        classes,
        min,
        max,
        filter.hasHasError() ? filter.getHasError() : null,
        filter.getTagsMap(),
        filter.getCustomerId(),
        filter.getPlan(),
        filter.getSourceIp(),
        filter.getApiKeyId(),
        filter.getText(),
        filter.getTraceId(),
        fieldConditions(filter),
        labelConditions(filter));
  }

  private static List<LabelCondition> labelConditions(CallFilter filter) {
    List<LabelCondition> conditions = new ArrayList<>();
    for (int i = 0; i < filter.getLabelsCount(); i++) {
      io.tapline.proto.v1.LabelCondition c = filter.getLabels(i);
      String at = "filter.labels[" + i + "]";
      if (!Names.FIELD.matcher(c.getName()).matches()) {
        throw new InvalidRequestException(
            at + ".name", "must be a label name: 1 to 64 characters from [A-Za-z0-9._-]");
      }
      if (c.hasValue() && c.getMissing()) {
        throw new InvalidRequestException(at, "a value and missing = true cannot both hold");
      }
      conditions.add(
          new LabelCondition(c.getName(), c.hasValue() ? c.getValue() : null, c.getMissing()));
    }
    return conditions;
  }

  private static List<FieldCondition> fieldConditions(CallFilter filter) {
    List<FieldCondition> conditions = new ArrayList<>();
    for (int i = 0; i < filter.getFieldsCount(); i++) {
      io.tapline.proto.v1.FieldCondition c = filter.getFields(i);
      String at = "filter.fields[" + i + "]";
      if (!Names.FIELD.matcher(c.getName()).matches()) {
        throw new InvalidRequestException(
            at + ".name", "must be a field name: 1 to 64 characters from [A-Za-z0-9._-]");
      }
      if (c.hasEquals() && (c.hasMin() || c.hasMax())) {
        throw new InvalidRequestException(
            at, "equals is for string fields, min and max for number fields: not both");
      }
      if (c.hasMin() && !Double.isFinite(c.getMin())
          || c.hasMax() && !Double.isFinite(c.getMax())) {
        throw new InvalidRequestException(at, "min and max must be finite numbers");
      }
      if (c.hasMin() && c.hasMax() && c.getMin() > c.getMax()) {
        throw new InvalidRequestException(at + ".max", "must not be below min");
      }
      conditions.add(
          new FieldCondition(
              c.getName(),
              c.hasEquals() ? c.getEquals() : null,
              c.hasMin() ? c.getMin() : null,
              c.hasMax() ? c.getMax() : null));
    }
    return conditions;
  }

  /**
   * The criteria of an analytics question (metrics, drift, labels, exports, datasets): without
   * start_time, the {@link QueryServiceImpl#DEFAULT_ANALYTICS_WINDOW} before the end.
   */
  static CallCriteria analyticsCriteria(CallFilter filter, Principal principal, Instant now) {
    return toCriteria(filter, principal, QueryServiceImpl.DEFAULT_ANALYTICS_WINDOW, now, null);
  }

  /**
   * The service a query may look at: a key bound to one service sees only that one, whatever the
   * filter says; naming another is PERMISSION_DENIED.
   */
  static String scopedService(String requested, Principal principal) {
    return principal.serviceFor(
        requested,
        () ->
            Status.PERMISSION_DENIED
                .withDescription(
                    "this API key may only read calls of service '"
                        + principal.serviceRestriction()
                        + "'")
                .asRuntimeException());
  }

  private static long micros(double millis, String field) {
    if (!(millis >= 0) || millis > 4.0e6) {
      throw new InvalidRequestException(field, "must be between 0 and 4000000 ms");
    }
    return Math.round(millis * 1000);
  }
}
