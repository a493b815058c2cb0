package io.tapline.server.storage;

/** Which events a reader wants; empty strings and 0 do not filter. */
public record AlertEventFilter(String service, String ruleId, int minSeverity) {

  public static final AlertEventFilter ALL = new AlertEventFilter("", "", 0);

  public boolean matches(AlertEventRecord event) {
    return (service.isEmpty() || service.equals(event.service()))
        && (ruleId.isEmpty() || ruleId.equals(event.ruleId()))
        && event.severity() >= minSeverity;
  }
}
