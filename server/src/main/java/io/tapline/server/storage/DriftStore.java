package io.tapline.server.storage;

import java.util.List;

/** Histograms of calls' features and drift scores between them, computed by the store. */
public interface DriftStore {

  /** Bins of a numeric feature when none are asked for, and the most there may be. */
  int DEFAULT_BINS = 10;

  int MAX_BINS = 50;

  /** Categories before "other" when none are asked for, and the most there may be. */
  int DEFAULT_CATEGORIES = 20;

  int MAX_CATEGORIES = 100;

  /**
   * The reference histograms of the calls {@code criteria} selects: numeric features cut at {@code
   * bins - 1} quantiles, categorical ones with their {@code categories} most common values.
   *
   * @throws RetryLaterException when the store cannot answer now
   */
  List<DriftHistogram> reference(
      CallCriteria criteria, List<DriftFeature> features, int bins, int categories);

  /**
   * The calls {@code criteria} selects counted over each reference histogram's bins, with the drift
   * scores of each feature, in the order of {@code reference}.
   *
   * @throws RetryLaterException when the store cannot answer now
   */
  List<DriftResult> compare(CallCriteria criteria, List<DriftHistogram> reference);
}
