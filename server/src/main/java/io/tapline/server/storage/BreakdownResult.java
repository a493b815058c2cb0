package io.tapline.server.storage;

import java.util.List;

/** Ranked groups, then the "other" group when there were more than the limit. */
public record BreakdownResult(List<Group> groups) {

  public BreakdownResult {
    groups = List.copyOf(groups);
  }

  /** One group; {@code values} has one entry per dimension, empty for the "other" group. */
  public record Group(List<String> values, CallMetrics metrics, boolean other) {

    public Group {
      values = List.copyOf(values);
    }
  }
}
