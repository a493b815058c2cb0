package io.tapline.server.storage;

/** Usage plans, by id. */
public interface PlanStore extends MetadataStore<PlanRecord> {}
