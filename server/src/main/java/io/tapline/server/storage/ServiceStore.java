package io.tapline.server.storage;

/** Registered services, by name. */
public interface ServiceStore extends MetadataStore<ServiceRecord> {}
