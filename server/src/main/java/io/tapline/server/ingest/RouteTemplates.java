package io.tapline.server.ingest;

/**
 * Derives a route template from a path when the sender gave none, so analytics group by endpoint
 * rather than by url: {@code /users/123/orders/9f1c2e4b-...} becomes {@code
 * /users/{id}/orders/{id}}.
 *
 * <p>A segment counts as an id when it is a number, a UUID, a long hexadecimal string, or a token
 * mixing letters and digits (ord_8fK2x9, a1b2c3); words such as {@code v2}, {@code oauth2} or
 * {@code utf-8} stay. No regular expressions: this runs for every record without a route.
 */
final class RouteTemplates {

  static final String ID = "{id}";

  /** Segments up to this long that mix letters and a few digits may still be words (v2, s3). */
  private static final int SHORT_WORD = 6;

  private RouteTemplates() {}

  static String derive(String path) {
    if (path.isEmpty()) {
      return "/";
    }
    StringBuilder out = null;
    int start = 0;
    int n = path.length();
    while (start <= n) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? n : slash;
      if (end > start && isId(path, start, end)) {
        if (out == null) {
          out = new StringBuilder(n);
          out.append(path, 0, start);
        }
        out.append(ID);
      } else if (out != null) {
        out.append(path, start, end);
      }
      if (slash < 0) {
        break;
      }
      if (out != null) {
        out.append('/');
      }
      start = slash + 1;
    }
    return out == null ? path : out.toString();
  }

  static boolean isId(String s, int from, int to) {
    int len = to - from;
    int digits = 0;
    int letters = 0;
    int hexLetters = 0;
    int dashes = 0;
    int others = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits++;
      } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        letters++;
        if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
          hexLetters++;
        }
      } else if (c == '-') {
        dashes++;
      } else if (c == '_' || c == '.' || c == '~' || c == ':' || c == '%') {
        others++;
      } else {
        return false; // {, =, @ and the like: not an id we recognise
      }
    }
    if (digits == len) {
      return true; // 123
    }
    if (len == 36 && dashes == 4 && digits + hexLetters == 32) {
      return true; // UUID
    }
    if (dashes == 0 && others == 0 && letters == hexLetters && len >= 16) {
      return true; // long hex: hashes, object ids
    }
    if (digits == 0 || letters == 0) {
      return false; // words, and things like 2024-01-01 stay (dates are rare in paths)
    }
    // Letters and digits mixed: an id unless it is short and mostly letters (v2, oauth2, s3).
    if (len <= SHORT_WORD
        && digits <= 2
        && letters >= digits
        && Character.isLetter(s.charAt(from))) {
      return false;
    }
    return true;
  }
}
