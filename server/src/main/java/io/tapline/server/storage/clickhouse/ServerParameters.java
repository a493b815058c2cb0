package io.tapline.server.storage.clickhouse;

/**
 * Values of server-side query parameters ({@code {name:String}}), which ClickHouse reads in its
 * escaped text format: a backslash starts an escape, and a raw tab or newline ends the value. The
 * client sends them as they are (clickhouse-java issue 2781, fixed after the releases this build
 * can use), so a backslash corrupted a value and a tab failed the query; these escapes make every
 * string arrive as it was.
 */
final class ServerParameters {

  private ServerParameters() {}

  /** {@code value} escaped for a {@code String} parameter. */
  static String string(String value) {
    if (value.indexOf('\\') < 0 && value.indexOf('\t') < 0 && value.indexOf('\n') < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
