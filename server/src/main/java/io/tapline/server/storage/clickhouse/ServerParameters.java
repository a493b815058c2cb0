package io.tapline.server.storage.clickhouse;

import java.util.List;
import java.util.Map;

/**
 * Turns SQL with JDBC placeholders ({@code ?}), as {@link Where} builds it, into SQL with
 * ClickHouse's typed query parameters ({@code {p0:String}}), for statements sent through the client
 * rather than JDBC. The values stay parameters: nothing is spliced into the SQL text.
 */
final class ServerParameters {

  private ServerParameters() {}

  /**
   * {@code sql} with its {@code ?}s replaced, in order, by parameters named {@code p0, p1, ...}
   * whose values are put in {@code out}. Values are strings, integers or longs; {@code sql} holds
   * no {@code ?} inside a string literal (Where's clauses do not).
   */
  static String bind(String sql, List<Object> values, Map<String, Object> out) {
    StringBuilder bound = new StringBuilder(sql.length() + 16 * values.size());
    int next = 0;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (c != '?') {
        bound.append(c);
        continue;
      }
      if (next >= values.size()) {
        throw new IllegalArgumentException("more placeholders than values in: " + sql);
      }
      Object value = values.get(next);
      String name = "p" + next++;
      bound.append('{').append(name).append(':').append(type(value)).append('}');
      out.put(name, value);
    }
    if (next != values.size()) {
      throw new IllegalArgumentException("more values than placeholders in: " + sql);
    }
    return bound.toString();
  }

  private static String type(Object value) {
    return switch (value) {
      case String s -> "String";
      case Integer n -> "Int32";
      case Long n -> "Int64";
      default -> throw new IllegalArgumentException("no ClickHouse type for " + value.getClass());
    };
  }
}
