package io.tapline.server.storage;

/** Customers, by id. */
public interface CustomerStore extends MetadataStore<CustomerRecord> {}
