package io.tapline.server.storage;

import com.fasterxml.jackson.core.JsonPointer;

/**
 * A field a service extracts from each of its calls at ingest.
 *
 * @param name the field's name, unique within the service
 * @param path for a body, a JSON Pointer ({@code /prediction/label}); for a header, its name in
 *     lower case
 */
public record FieldRule(String name, Type type, Source source, String path) {

  /** The type of the field's values. */
  public enum Type {
    STRING,
    NUMBER
  }

  /** Where the field is read from. */
  public enum Source {
    REQUEST_BODY,
    RESPONSE_BODY,
    REQUEST_HEADER,
    RESPONSE_HEADER;

    public boolean body() {
      return this == REQUEST_BODY || this == RESPONSE_BODY;
    }
  }

  /**
   * The JSON Pointer for a rule's body path: a JSON Pointer as it is, or a JSONPath made of names
   * and indexes ({@code $.a.b}, {@code $['a b'][0]}) turned into one.
   *
   * @throws IllegalArgumentException with a reason when the path is neither
   */
  public static String pointer(String path) {
    if (path.isEmpty() || path.startsWith("/")) {
      try {
        return JsonPointer.compile(path).toString();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("is not a valid JSON Pointer: " + e.getMessage());
      }
    }
    if (!path.startsWith("$")) {
      throw new IllegalArgumentException(
          "must be a JSON Pointer (\"/a/b\") or a JSONPath of names and indexes (\"$.a.b[0]\")");
    }
    StringBuilder pointer = new StringBuilder();
    int i = 1;
    while (i < path.length()) {
      char c = path.charAt(i);
      String token;
      if (c == '.') {
        int end = i + 1;
        while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
          end++;
        }
        token = path.substring(i + 1, end);
        if (token.isEmpty() || token.equals("*")) {
          throw new IllegalArgumentException("has an empty or wildcard name at " + i);
        }
        i = end;
      } else if (c == '[') {
        int close = path.indexOf(']', i);
        if (close < 0) {
          throw new IllegalArgumentException("has a '[' without ']' at " + i);
        }
        String inside = path.substring(i + 1, close);
        if (inside.matches("[0-9]+")) {
          token = inside;
        } else if (inside.length() >= 2
            && (inside.startsWith("'") && inside.endsWith("'")
                || inside.startsWith("\"") && inside.endsWith("\""))) {
          token = inside.substring(1, inside.length() - 1);
        } else {
          throw new IllegalArgumentException(
              "supports names and indexes only: [" + inside + "] at " + i);
        }
        i = close + 1;
      } else {
        throw new IllegalArgumentException("has an unexpected '" + c + "' at " + i);
      }
      pointer.append('/').append(token.replace("~", "~0").replace("/", "~1"));
    }
    return pointer.toString();
  }
}
