package io.tapline.server.storage;

/** Alert rules, by id. */
public interface AlertRuleStore extends MetadataStore<AlertRuleRecord> {}
