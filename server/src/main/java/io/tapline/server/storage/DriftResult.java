package io.tapline.server.storage;

/**
 * A feature's reference and current histograms over the same bins, and their drift scores: null
 * when either histogram is empty or when the score does not apply (KS and Wasserstein distance are
 * for numeric features).
 */
public record DriftResult(
    DriftHistogram reference,
    DriftHistogram current,
    Double psi,
    Double jensenShannon,
    Double ks,
    Double wasserstein) {}
