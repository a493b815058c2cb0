package io.tapline.server.alert;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertEventKind;
import io.tapline.proto.v1.Severity;
import io.tapline.server.storage.AlertEventRecord;

/** Alert events between their stored and their wire form. */
final class Events {

  private Events() {}

  static AlertEvent toProto(AlertEventRecord e) {
    return AlertEvent.newBuilder()
        .setId(e.id())
        .setRuleId(e.ruleId())
        .setRuleName(e.ruleName())
        .setService(e.service())
        .setSeverity(
            Severity.forNumber(e.severity()) == null
                ? Severity.SEVERITY_UNSPECIFIED
                : Severity.forNumber(e.severity()))
        .setKind(
            AlertEventKind.forNumber(e.kind()) == null
                ? AlertEventKind.ALERT_EVENT_KIND_UNSPECIFIED
                : AlertEventKind.forNumber(e.kind()))
        .setValue(e.value())
        .setThreshold(e.threshold())
        .setWindow(Durations.fromMillis(e.windowMillis()))
        .setWindowStart(Timestamps.fromMillis(e.windowStart().toEpochMilli()))
        .setWindowEnd(Timestamps.fromMillis(e.windowEnd().toEpochMilli()))
        .setEventTime(Timestamps.fromMillis(e.eventTime().toEpochMilli()))
        .addAllSampleCallIds(e.sampleCallIds())
        .setCount(e.count())
        .setDescription(e.description())
        .build();
  }
}
