package io.tapline.server.storage;

import java.time.Instant;
import java.util.List;

/**
 * Reference histograms frozen under a name.
 *
 * @param filter the filter that selected the reference's calls, as the API wrote it (JSON)
 */
public record DriftBaselineRecord(
    String service,
    String name,
    String filter,
    List<DriftHistogram> histograms,
    Instant createdAt) {

  public DriftBaselineRecord {
    histograms = List.copyOf(histograms);
  }

  /** The key of a baseline: names are unique per service. */
  public static String id(String service, String name) {
    return service + "/" + name;
  }

  public String id() {
    return id(service, name);
  }
}
