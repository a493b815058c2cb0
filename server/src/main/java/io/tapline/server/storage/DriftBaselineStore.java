package io.tapline.server.storage;

/** Drift baselines, keyed by {@link DriftBaselineRecord#id(String, String)}. */
public interface DriftBaselineStore extends MetadataStore<DriftBaselineRecord> {}
