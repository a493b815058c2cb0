package io.tapline.masking;

/**
 * Secrets in free text, such as error messages and plain-text bodies: the value after a sensitive
 * name followed by {@code =} or {@code :} ({@code password=hunter2}, {@code "token": "abc"}, {@code
 * Authorization: Bearer abc}), the credential after {@code Bearer} or {@code Basic}, and card
 * numbers. Linear in the text: every name is read back at most {@value #MAX_NAME} characters from
 * its separator, every value forward once.
 */
final class FreeText {

  /** Longest name looked at before a separator. */
  static final int MAX_NAME = 64;

  /** Longest value masked after a name: a longer one is masked up to here. */
  private static final int MAX_VALUE = 4096;

  private FreeText() {}

  /** The text with secrets masked, or {@code s} itself when it holds none. */
  static String mask(String s, SensitiveNames names) {
    String masked = values(s, names);
    return Cards.mask(masked, Masker.MASKED);
  }

  private static String values(String s, SensitiveNames names) {
    if (s.indexOf('=') < 0 && s.indexOf(':') < 0 && s.indexOf(' ') < 0) {
      return s; // no separator, no scheme: no name and value (most tags, paths, short texts)
    }
    int n = s.length();
    StringBuilder out = null;
    int copied = 0;
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      int valueStart = -1;
      if (c == '=' || c == ':') {
        if (c == ':' && i + 2 < n && s.charAt(i + 1) == '/' && s.charAt(i + 2) == '/') {
          i += 3; // a url's scheme, not a name
          continue;
        }
        if (isSensitiveNameBefore(s, i, names)) {
          valueStart = skipSpaces(s, i + 1);
        }
      } else if (c == ' ' && isCredentialAfterScheme(s, i)) {
        valueStart = i + 1;
      }
      if (valueStart < 0 || valueStart >= n) {
        i++;
        continue;
      }
      int valueEnd = valueEnd(s, valueStart);
      if (valueEnd > valueStart && !s.startsWith(Masker.MASKED, valueStart)) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(s, copied, valueStart).append(Masker.MASKED);
        copied = valueEnd;
      }
      i = Math.max(valueEnd, i + 1);
    }
    return out == null ? s : out.append(s, copied, n).toString();
  }

  /** True when the name ending just before the separator at {@code sep} is sensitive. */
  private static boolean isSensitiveNameBefore(String s, int sep, SensitiveNames names) {
    int end = sep;
    while (end > 0 && end > sep - 3 && s.charAt(end - 1) == ' ') {
      end--;
    }
    if (end == 0) {
      return false;
    }
    char close = s.charAt(end - 1);
    int start;
    if (close == '"' || close == '\'') {
      int open = end - 2;
      while (open >= 0 && end - 1 - open <= MAX_NAME + 1 && s.charAt(open) != close) {
        open--;
      }
      if (open < 0 || s.charAt(open) != close) {
        return false;
      }
      return names.contains(s, open + 1, end - 1);
    }
    start = end;
    while (start > 0 && end - start <= MAX_NAME && isNameChar(s.charAt(start - 1))) {
      start--;
    }
    if (start == end || end - start > MAX_NAME) {
      return false;
    }
    return names.contains(s, start, end);
  }

  /**
   * True when the space at {@code space} follows an authorization scheme and precedes its
   * credential: anything after {@code Bearer}; after {@code Basic} or {@code Digest} (words that
   * also occur in prose) only a token of 12 or more credential characters.
   */
  private static boolean isCredentialAfterScheme(String s, int space) {
    if (wordBefore(s, space, "bearer")) {
      return space + 1 < s.length() && !isDelimiter(s.charAt(space + 1));
    }
    if (wordBefore(s, space, "basic") || wordBefore(s, space, "digest")) {
      int end = space + 1;
      while (end < s.length() && end - space <= 12 && isCredentialChar(s.charAt(end))) {
        end++;
      }
      return end - space > 12;
    }
    return false;
  }

  private static boolean isCredentialChar(char c) {
    return isNameChar(c) || c == '+' || c == '/' || c == '=' || c == '~';
  }

  private static boolean wordBefore(String s, int end, String word) {
    int start = end - word.length();
    return start >= 0
        && s.regionMatches(true, start, word, 0, word.length())
        && (start == 0 || !isNameChar(s.charAt(start - 1)));
  }

  private static int skipSpaces(String s, int from) {
    int i = from;
    while (i < s.length() && i < from + 8 && s.charAt(i) == ' ') {
      i++;
    }
    return i;
  }

  /** The end of the value starting at {@code from}: quoted, or up to a delimiter. */
  private static int valueEnd(String s, int from) {
    int n = s.length();
    int limit = Math.min(n, from + MAX_VALUE);
    char first = s.charAt(from);
    if (first == '"' || first == '\'') {
      int i = from + 1;
      while (i < limit && s.charAt(i) != first && s.charAt(i) != '\n') {
        if (s.charAt(i) == '\\') {
          i++;
        }
        i++;
      }
      return Math.min(limit, i < limit && s.charAt(i) == first ? i + 1 : i);
    }
    int i = from;
    while (i < limit && !isDelimiter(s.charAt(i))) {
      i++;
    }
    // "Authorization: Bearer abc": the credential follows the scheme.
    if (i < n && s.charAt(i) == ' ' && isCredentialAfterScheme(s, i)) {
      int next = i + 1;
      int end = next;
      while (end < limit && !isDelimiter(s.charAt(end))) {
        end++;
      }
      if (end > next) {
        return end;
      }
    }
    return i;
  }

  private static boolean isDelimiter(char c) {
    return c <= ' ' || c == '&' || c == ';' || c == ',' || c == '"' || c == '\'' || c == ')'
        || c == ']' || c == '}' || c == '<' || c == '>';
  }

  private static boolean isNameChar(char c) {
    return c >= 'a' && c <= 'z'
        || c >= 'A' && c <= 'Z'
        || c >= '0' && c <= '9'
        || c == '_'
        || c == '-'
        || c == '.';
  }
}
