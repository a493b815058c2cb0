package io.tapline.server.storage;

import java.util.List;

/** Aggregates over recent calls, for windowed alert rules. */
public interface WindowStore {

  /**
   * Answers every probe of one service over {@code [startMillis, endMillis)} in one query; the
   * results are in the order of the probes.
   */
  List<WindowProbe.Result> measure(
      String service, long startMillis, long endMillis, List<WindowProbe> probes);
}
