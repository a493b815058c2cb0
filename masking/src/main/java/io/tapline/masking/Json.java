package io.tapline.masking;

/**
 * Masks JSON text in place, in one forward pass: the value of every member whose name is sensitive
 * (a string, number, literal, or a whole object or array) becomes {@code "[masked]"}, and card
 * numbers in string values and bare numbers are masked; everything else is left byte for byte as it
 * was, whitespace and escapes included.
 *
 * <p>No parser and no recursion: the scanner only tells strings from what lies between them, and a
 * string followed by a colon is a member name. So it reads malformed and cut JSON as well as valid
 * JSON (an unterminated string runs to the end; a sensitive value that is cut is masked to the
 * end), nesting depth costs nothing, and the work is linear in the text.
 */
final class Json {

  private static final String MASKED_STRING = "\"" + Masker.MASKED + "\"";

  private Json() {}

  /** The masked text, or {@code s} itself when nothing in it is masked. */
  static String mask(String s, SensitiveNames fields) {
    if (s.indexOf('\\') < 0 && !Cards.mayHold(s, 0, s.length()) && !hasSensitiveName(s, fields)) {
      return s; // most bodies: decided without looking at each string
    }
    return scan(s, fields);
  }

  /**
   * A first pass for text without escapes: true when a member name (a quoted string before a colon)
   * is sensitive. Without backslashes the quote before a name's closing quote opens it; a colon
   * inside a string only adds a harmless candidate. Each stretch between two quotes is read for at
   * most one colon, so the pass is linear.
   */
  private static boolean hasSensitiveName(String s, SensitiveNames fields) {
    int colon = s.indexOf(':');
    while (colon >= 0) {
      int end = colon - 1;
      while (end >= 0 && isWhitespace(s.charAt(end))) {
        end--;
      }
      if (end > 0 && s.charAt(end) == '"') {
        int start = s.lastIndexOf('"', end - 1);
        if (start >= 0 && fields.contains(s, start + 1, end)) {
          return true;
        }
      }
      colon = s.indexOf(':', colon + 1);
    }
    return false;
  }

  private static String scan(String s, SensitiveNames fields) {
    int n = s.length();
    StringBuilder out = null;
    int copied = 0; // s[0, copied) is in out (when out is not null)
    int i = 0;
    while (i < n) {
      int quote = s.indexOf('"', i);
      int regionEnd = quote < 0 ? n : quote;
      // Between strings: punctuation, whitespace, numbers and literals.
      if (regionEnd - i >= Cards.MIN_DIGITS && Cards.mayHold(s, i, regionEnd)) {
        int from = i;
        while (from < regionEnd) {
          int start = from;
          while (start < regionEnd && !isNumberChar(s.charAt(start))) {
            start++;
          }
          int end = start;
          while (end < regionEnd && isNumberChar(s.charAt(end))) {
            end++;
          }
          if (end > start
              && !continuesNumber(s, start, end)
              && Cards.isBareCardNumber(s, start, end)) {
            if (out == null) {
              out = new StringBuilder(n + 16);
            }
            out.append(s, copied, start).append(MASKED_STRING);
            copied = end;
          }
          from = end;
        }
      }
      if (quote < 0) {
        break;
      }
      int close = stringEnd(s, quote);
      int after = close < n ? close + 1 : n;
      int colon = after;
      while (colon < n && isWhitespace(s.charAt(colon))) {
        colon++;
      }
      if (colon < n && s.charAt(colon) == ':') {
        // A member name.
        if (isSensitive(s, quote + 1, close, fields)) {
          int value = colon + 1;
          while (value < n && isWhitespace(s.charAt(value))) {
            value++;
          }
          int valueEnd = valueEnd(s, value);
          if (valueEnd > value && !s.startsWith(MASKED_STRING, value)
              || valueEnd == value && value == n) {
            if (out == null) {
              out = new StringBuilder(n + 16);
            }
            out.append(s, copied, value).append(MASKED_STRING);
            copied = valueEnd;
          }
          i = valueEnd;
        } else {
          i = colon + 1;
        }
        continue;
      }
      // A string value: card numbers in it are masked, the string kept otherwise.
      String masked = maskedString(s, quote + 1, close);
      if (masked != null) {
        if (out == null) {
          out = new StringBuilder(n + 16);
        }
        out.append(s, copied, quote).append('"').append(masked).append('"');
        copied = after;
      }
      i = after;
    }
    if (out == null) {
      return s;
    }
    return out.append(s, copied, n).toString();
  }

  /** The index of the quote closing the string opened at {@code open}, or the length if none. */
  static int stringEnd(String s, int open) {
    int from = open + 1;
    while (true) {
      int quote = s.indexOf('"', from);
      if (quote < 0) {
        return s.length();
      }
      int backslashes = 0;
      for (int k = quote - 1; k > open && s.charAt(k) == '\\'; k--) {
        backslashes++;
      }
      if (backslashes % 2 == 0) {
        return quote;
      }
      from = quote + 1;
    }
  }

  /** The end (exclusive) of the value starting at {@code at}: a string, object, array or token. */
  private static int valueEnd(String s, int at) {
    int n = s.length();
    if (at >= n) {
      return n;
    }
    char c = s.charAt(at);
    if (c == '"') {
      int close = stringEnd(s, at);
      return close < n ? close + 1 : n;
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      int i = at;
      while (i < n) {
        char d = s.charAt(i);
        if (d == '"') {
          i = stringEnd(s, i) + 1;
          continue;
        }
        if (d == '{' || d == '[') {
          depth++;
        } else if ((d == '}' || d == ']') && --depth == 0) {
          return i + 1;
        }
        i++;
      }
      return n; // cut inside the value: masked to the end
    }
    int i = at;
    while (i < n) {
      char d = s.charAt(i);
      if (d == ',' || d == '}' || d == ']' || d == '"' || isWhitespace(d)) {
        break;
      }
      i++;
    }
    return i;
  }

  /** True when the member name in s[from, to) (escapes decoded) is sensitive. */
  private static boolean isSensitive(String s, int from, int to, SensitiveNames fields) {
    if (s.indexOf('\\', from, to) < 0) {
      return fields.contains(s, from, to);
    }
    if (to - from > 1024) {
      return false; // no sensitive name is that long, escaped or not
    }
    return fields.contains(decode(s, from, to));
  }

  /**
   * The string content s[from, to) with its card numbers masked, JSON-escaped, or null when it
   * holds none. Only a {@code \\u} escape can hide a digit, space or dash, so only strings with one
   * are decoded first.
   */
  private static String maskedString(String s, int from, int to) {
    if (to - from < Cards.MIN_DIGITS) {
      return null;
    }
    if (!hasUnicodeEscape(s, from, to)) {
      if (!Cards.mayHold(s, from, to)) {
        return null;
      }
      String raw = s.substring(from, to);
      String masked = Cards.mask(raw, Masker.MASKED);
      return masked == raw ? null : masked;
    }
    String decoded = decode(s, from, to);
    String masked = Cards.mask(decoded, Masker.MASKED);
    return masked == decoded ? null : escape(masked);
  }

  private static boolean hasUnicodeEscape(String s, int from, int to) {
    int k = from;
    while (true) {
      k = s.indexOf('\\', k, to);
      if (k < 0 || k + 1 >= to) {
        return false;
      }
      if (s.charAt(k + 1) == 'u') {
        return true;
      }
      k += 2;
    }
  }

  /** JSON string content decoded; malformed escapes are kept as they are. */
  static String decode(String s, int from, int to) {
    StringBuilder out = new StringBuilder(to - from);
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= to) {
        out.append(c);
        i++;
        continue;
      }
      char e = s.charAt(i + 1);
      switch (e) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'u' -> {
          int code = i + 6 <= to ? hex4(s, i + 2) : -1;
          if (code < 0) {
            out.append(c).append(e);
          } else {
            out.append((char) code);
            i += 4;
          }
        }
        default -> out.append(e); // \" \\ \/ and anything else
      }
      i += 2;
    }
    return out.toString();
  }

  /** Text as JSON string content; unpaired surrogates are written as escapes. */
  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            out.append(c).append(s.charAt(++i));
          } else if (c < 0x20 || Character.isSurrogate(c)) {
            out.append("\\u").append(String.format("%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  private static int hex4(String s, int at) {
    int v = 0;
    for (int k = at; k < at + 4; k++) {
      int d = Character.digit(s.charAt(k), 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  private static boolean isNumberChar(char c) {
    return Cards.isDigit(c) || c == '-';
  }

  // The digits s[start, end) are part of a longer number (a fraction or an exponent).
  private static boolean continuesNumber(String s, int start, int end) {
    if (start > 0 && s.charAt(start - 1) == '.') {
      return true;
    }
    if (end >= s.length()) {
      return false;
    }
    char c = s.charAt(end);
    return c == '.' || c == 'e' || c == 'E';
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }
}
