package io.tapline.server.storage;

import java.util.List;

/**
 * Metrics per group of one or two dimensions: the top {@code limit} groups by {@code sort}, and one
 * "other" group for the rest.
 *
 * @param tagKey the tag {@link Dimension#TAG} reads
 * @param field the extracted string field {@link Dimension#FIELD} reads
 * @param sortLevel the quantile level {@link BreakdownSort#LATENCY_QUANTILE} ranks by
 */
public record BreakdownQuery(
    CallCriteria criteria,
    List<Dimension> dimensions,
    String tagKey,
    String field,
    int limit,
    BreakdownSort sort,
    double sortLevel,
    List<Double> levels) {

  public BreakdownQuery {
    dimensions = List.copyOf(dimensions);
    levels = List.copyOf(levels);
  }
}
