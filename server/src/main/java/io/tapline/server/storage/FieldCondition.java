package io.tapline.server.storage;

/**
 * A condition on one extracted field: a string field equal to {@code equals}, or a number field
 * between {@code min} and {@code max} (both inclusive); with none of them, the call must have the
 * field.
 *
 * @param equals the value of a string field, or null
 * @param min the least value of a number field, or null
 * @param max the greatest value of a number field, or null
 */
public record FieldCondition(String name, String equals, Double min, Double max) {

  /** Whether the condition is on a number field. */
  public boolean numeric() {
    return min != null || max != null;
  }
}
