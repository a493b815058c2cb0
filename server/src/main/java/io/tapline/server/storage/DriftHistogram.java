package io.tapline.server.storage;

import java.util.List;

/**
 * One feature's histogram. A numeric feature's bins are cut at {@code edges} (bin i covers
 * [edges[i-1], edges[i])), the first and last open below and above; a categorical feature has one
 * bin per category, then one for every other value.
 *
 * @param edges inner edges of a numeric feature, ascending
 * @param min the least value of the window that made the bins (numeric), or 0
 * @param max the greatest (numeric), or 0
 * @param categories the values of a categorical feature's bins but the last
 * @param counts calls per bin
 */
public record DriftHistogram(
    DriftFeature feature,
    List<Double> edges,
    double min,
    double max,
    List<String> categories,
    List<Long> counts) {

  public DriftHistogram {
    edges = List.copyOf(edges);
    categories = List.copyOf(categories);
    counts = List.copyOf(counts);
  }

  /** Calls counted. */
  public long total() {
    return counts.stream().mapToLong(Long::longValue).sum();
  }

  /** The same bins with other counts. */
  public DriftHistogram withCounts(List<Long> other) {
    return new DriftHistogram(feature, edges, min, max, categories, other);
  }
}
