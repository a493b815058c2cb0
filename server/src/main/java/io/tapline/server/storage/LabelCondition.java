package io.tapline.server.storage;

/**
 * A condition on a call's latest value of a label: equal to {@code value}, or with a null value,
 * present (or, with {@code missing}, absent).
 */
public record LabelCondition(String name, String value, boolean missing) {}
