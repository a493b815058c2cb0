package io.tapline.server.ingest;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The raw path and query of a call's url, exactly as {@link URI} gives them, and whether URI
 * accepts the url at all. The common form, {@code scheme://host[:port][/path][?query][#fragment]}
 * in plain ASCII with well-formed escapes, is read directly, without building a URI, which costs a
 * noticeable share of the server's CPU at high ingest rates (figures in bench/README.md, "Figures
 * behind the code"); every other url, and every url this reader is unsure of, goes through URI
 * itself, so what is accepted or refused, and why, never changes.
 *
 * <p>The direct form only allows characters URI allows in the same place: in the authority letters,
 * digits and {@code -._~:} (all valid in a registry-based authority, so URI accepts the authority
 * whether or not it also reads as host and port); in the path RFC 2396's path characters; in query
 * and fragment its uric characters but {@code [ ]}.
 */
final class UrlParts {

  /** The raw (still escaped) path, empty when the url has none, and query, null when absent. */
  record Parts(String rawPath, String rawQuery) {}

  private static final long[] SCHEME = mask("+-.");
  private static final long[] AUTHORITY = mask("-._~:");
  private static final long[] PATH = mask("-_.!~*'()" + ":@&=+$," + ";/");
  private static final long[] URIC = mask("-_.!~*'()" + ";/?:@&=+$,");

  private UrlParts() {}

  /**
   * @throws URISyntaxException as {@code new URI(url)} does, when URI refuses the url
   */
  static Parts of(String url) throws URISyntaxException {
    Parts parts = plain(url);
    if (parts != null) {
      return parts;
    }
    URI uri = new URI(url);
    return new Parts(uri.getRawPath(), uri.getRawQuery());
  }

  /** The parts of a url of the common form, or null when it is not of that form. */
  static Parts plain(String s) {
    int n = s.length();
    if (n == 0 || !isLetter(s.charAt(0))) {
      return null;
    }
    int i = 1;
    while (i < n && in(SCHEME, s.charAt(i))) {
      i++;
    }
    if (!s.startsWith("://", i)) {
      return null;
    }
    i += 3;
    int authority = i;
    while (i < n && in(AUTHORITY, s.charAt(i))) {
      i++;
    }
    if (i == authority || (i < n && "/?#".indexOf(s.charAt(i)) < 0)) {
      return null; // empty, or a character the direct form does not allow in an authority
    }
    int path = i;
    i = scan(s, i, PATH);
    if (i < 0) {
      return null;
    }
    int pathEnd = i;
    String query = null;
    if (i < n && s.charAt(i) == '?') {
      int from = i + 1;
      i = scan(s, from, URIC);
      if (i < 0) {
        return null;
      }
      query = s.substring(from, i);
    }
    if (i < n && s.charAt(i) == '#') {
      i = scan(s, i + 1, URIC);
    }
    if (i != n) {
      return null; // a character the direct form does not allow there: URI decides
    }
    return new Parts(s.substring(path, pathEnd), query);
  }

  // The end of the run of allowed characters and escapes from `from`; -1 at a malformed escape.
  private static int scan(String s, int from, long[] allowed) {
    int n = s.length();
    int i = from;
    while (i < n) {
      char c = s.charAt(i);
      if (in(allowed, c)) {
        i++;
      } else if (c == '%') {
        if (i + 2 >= n || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
          return -1;
        }
        i += 3;
      } else {
        break;
      }
    }
    return i;
  }

  private static boolean in(long[] mask, char c) {
    return c < 128 && (mask[c >> 6] & (1L << c)) != 0;
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  // Letters, digits and `chars`, as a bit set over ASCII.
  private static long[] mask(String chars) {
    long[] mask = new long[2];
    for (char c = 0; c < 128; c++) {
      if (isLetter(c) || (c >= '0' && c <= '9') || chars.indexOf(c) >= 0) {
        mask[c >> 6] |= 1L << c;
      }
    }
    return mask;
  }
}
