package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.Dimension;
import java.util.List;

/** The SQL expression (always a String) behind each {@link Dimension}. */
final class Dimensions {

  private Dimensions() {}

  /**
   * The expression for {@code dimension}, as text; a {@link Dimension#TAG} (or {@link
   * Dimension#FIELD}) reads the tag (or field) bound to a placeholder, so its name is added to
   * {@code parameters}.
   */
  static String expression(
      Dimension dimension, String tagKey, String field, List<Object> parameters) {
    if (dimension == Dimension.STATUS_CLASS) {
      return "concat(toString(intDiv(status_code, 100)), 'xx')";
    }
    return "toString(" + column(dimension, tagKey, field, parameters) + ")";
  }

  /**
   * The column behind {@code dimension} in its own type (a LowCardinality column is not turned into
   * text row by row), for {@link #expression}'s values to be compared with; a status class has
   * none.
   */
  static String column(Dimension dimension, String tagKey, String field, List<Object> parameters) {
    return switch (dimension) {
      case SERVICE -> "service";
      case ROUTE -> "route";
      case METHOD -> "method";
      case STATUS_CODE -> "status_code";
      case STATUS_CLASS -> throw new IllegalArgumentException("a status class has no column");
      case CUSTOMER -> "customer_id";
      case PLAN -> "plan";
      case SOURCE_IP -> "source_ip";
      case TAG -> {
        parameters.add(tagKey);
        yield "tags[?]";
      }
      case FIELD -> {
        parameters.add(field);
        yield "string_fields[?]";
      }
    };
  }
}
