package io.tapline.server.storage;

import java.util.List;

/**
 * A feature whose distribution drift compares: a column of every call, or an extracted field.
 *
 * @param name as requested: {@code latency_ms}, {@code status_code}, {@code route}, {@code method},
 *     {@code customer_id}, {@code plan} or {@code field:<name>}
 * @param field the extracted field's name for {@link Kind#NUMBER_FIELD} and {@link
 *     Kind#STRING_FIELD}, else empty
 */
public record DriftFeature(String name, Kind kind, String field) {

  /** What a feature reads. */
  public enum Kind {
    LATENCY,
    STATUS_CODE,
    ROUTE,
    METHOD,
    CUSTOMER,
    PLAN,
    NUMBER_FIELD,
    STRING_FIELD;

    public boolean numeric() {
      return this == LATENCY || this == NUMBER_FIELD;
    }
  }

  /** The prefix of an extracted field's feature name. */
  public static final String FIELD_PREFIX = "field:";

  public boolean numeric() {
    return kind.numeric();
  }

  /**
   * The feature named {@code name} for a service extracting {@code fields}.
   *
   * @throws IllegalArgumentException with a reason when there is no such feature
   */
  public static DriftFeature of(String name, List<FieldRule> fields) {
    Kind kind =
        switch (name) {
          case "latency_ms" -> Kind.LATENCY;
          case "status_code" -> Kind.STATUS_CODE;
          case "route" -> Kind.ROUTE;
          case "method" -> Kind.METHOD;
          case "customer_id" -> Kind.CUSTOMER;
          case "plan" -> Kind.PLAN;
          default -> null;
        };
    if (kind != null) {
      return new DriftFeature(name, kind, "");
    }
    if (!name.startsWith(FIELD_PREFIX)) {
      throw new IllegalArgumentException(
          "unknown feature '"
              + name
              + "': latency_ms, status_code, route, method, customer_id, plan or field:<name>");
    }
    String field = name.substring(FIELD_PREFIX.length());
    for (FieldRule rule : fields) {
      if (rule.name().equals(field)) {
        return new DriftFeature(
            name,
            rule.type() == FieldRule.Type.NUMBER ? Kind.NUMBER_FIELD : Kind.STRING_FIELD,
            field);
      }
    }
    throw new IllegalArgumentException("the service extracts no field '" + field + "'");
  }
}
