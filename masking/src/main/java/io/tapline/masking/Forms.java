package io.tapline.masking;

import java.util.Locale;

/**
 * Url-encoded forms and query strings ({@code a=1&b=2}), and multipart form bodies: the values of
 * fields with sensitive names are masked. Linear in the text.
 */
final class Forms {

  /** Longest multipart boundary read (RFC 2046 allows 70 characters). */
  private static final int MAX_BOUNDARY = 200;

  private Forms() {}

  /**
   * The url-encoded form or query string {@code s[from, to)} with the values of sensitive names
   * masked, or null when it has none to mask.
   */
  static String urlEncoded(String s, int from, int to, SensitiveNames names, String mask) {
    StringBuilder out = null;
    int start = from;
    while (start <= to) {
      int amp = s.indexOf('&', start, to);
      int end = amp < 0 ? to : amp;
      int eq = s.indexOf('=', start, end);
      if (eq >= 0 && isName(s, start, eq, names) && !isMask(s, eq + 1, end, mask)) {
        if (out == null) {
          out = new StringBuilder(to - from + mask.length());
          out.append(s, from, start);
        }
        out.append(s, start, eq + 1).append(mask);
      } else if (out != null) {
        out.append(s, start, end);
      }
      if (amp < 0) {
        break;
      }
      if (out != null) {
        out.append('&');
      }
      start = amp + 1;
    }
    return out == null ? null : out.toString();
  }

  private static boolean isMask(String s, int from, int to, String mask) {
    return to - from == mask.length() && s.startsWith(mask, from);
  }

  /**
   * True when {@code body} has the shape of a url-encoded form: {@code name=value} pairs joined by
   * {@code &}, with no whitespace, so plain text is not taken for one.
   */
  static boolean looksUrlEncoded(String body) {
    int eq = body.indexOf('=');
    if (eq <= 0 || body.length() > 0 && !isFormChar(body.charAt(0))) {
      return false;
    }
    for (int i = 0; i < body.length(); i++) {
      if (!isFormChar(body.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isFormChar(char c) {
    return c > ' ' && c < 0x7f && c != '"' && c != '<' && c != '>' && c != '{' && c != '}';
  }

  /** True when the url-encoded name {@code s[from, to)}, decoded, is sensitive. */
  private static boolean isName(String s, int from, int to, SensitiveNames names) {
    if (s.indexOf('%', from, to) < 0 && s.indexOf('+', from, to) < 0) {
      return names.contains(s, from, to); // nothing to decode
    }
    return names.contains(UrlDecoding.decode(s.substring(from, to)));
  }

  /**
   * The boundary line ({@code --boundary}) of a multipart body, read from its first line, or null
   * when the body does not start like a multipart body.
   */
  static String multipartBoundary(String body) {
    if (!body.startsWith("--")) {
      return null;
    }
    int eol = body.indexOf('\n');
    if (eol < 0) {
      return null;
    }
    int end = eol > 0 && body.charAt(eol - 1) == '\r' ? eol - 1 : eol;
    if (end <= 2 || end > MAX_BOUNDARY) {
      return null;
    }
    String boundary = body.substring(0, end);
    for (int i = 2; i < boundary.length(); i++) {
      if (boundary.charAt(i) <= ' ') {
        return null;
      }
    }
    return boundary;
  }

  /**
   * A multipart body with the content of each part named by a sensitive field masked (unless the
   * part is a file), and card numbers masked in the others; null when nothing changed.
   *
   * @param boundary the boundary line, {@code --} included
   */
  static String multipart(String body, String boundary, SensitiveNames names) {
    StringBuilder out = null;
    int copied = 0;
    int n = body.length();
    int part = body.indexOf(boundary);
    while (part >= 0) {
      int headersStart = body.indexOf('\n', part);
      if (headersStart < 0) {
        break;
      }
      headersStart++;
      int blank = blankLine(body, headersStart);
      if (blank < 0) {
        break;
      }
      int contentStart = blank;
      int next = body.indexOf(boundary, contentStart);
      int contentEnd = next < 0 ? n : next;
      // The line break before the next boundary belongs to the boundary.
      if (contentEnd > contentStart && body.charAt(contentEnd - 1) == '\n') {
        contentEnd--;
        if (contentEnd > contentStart && body.charAt(contentEnd - 1) == '\r') {
          contentEnd--;
        }
      }
      String headers = body.substring(headersStart, contentStart).toLowerCase(Locale.ROOT);
      String name = dispositionParameter(headers, "name");
      String replacement = null;
      if (name != null
          && dispositionParameter(headers, "filename") == null
          && names.contains(name)) {
        replacement = Masker.MASKED;
      } else {
        String content = body.substring(contentStart, contentEnd);
        String masked = Cards.mask(content, Masker.MASKED);
        if (masked != content) {
          replacement = masked;
        }
      }
      if (replacement != null && !body.startsWith(Masker.MASKED, contentStart)) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(body, copied, contentStart).append(replacement);
        copied = contentEnd;
      }
      part = next;
    }
    return out == null ? null : out.append(body, copied, n).toString();
  }

  // The index after the blank line ending the part headers that start at `from`, or -1.
  private static int blankLine(String body, int from) {
    int i = from;
    while (true) {
      int eol = body.indexOf('\n', i);
      if (eol < 0) {
        return -1;
      }
      boolean empty = eol == i || eol == i + 1 && body.charAt(i) == '\r';
      if (empty) {
        return eol + 1;
      }
      i = eol + 1;
    }
  }

  /** A parameter of the Content-Disposition header in lower-cased part headers, or null. */
  private static String dispositionParameter(String headers, String parameter) {
    int line = headers.indexOf("content-disposition:");
    if (line < 0) {
      return null;
    }
    int eol = headers.indexOf('\n', line);
    String value = headers.substring(line, eol < 0 ? headers.length() : eol);
    int at = 0;
    while (true) {
      int found = value.indexOf(parameter + "=", at);
      if (found < 0) {
        return null;
      }
      char before = found > 0 ? value.charAt(found - 1) : ' ';
      at = found + parameter.length() + 1;
      if (before == ';' || before == ' ' || before == '\t') {
        if (at < value.length() && value.charAt(at) == '"') {
          int close = value.indexOf('"', at + 1);
          return value.substring(at + 1, close < 0 ? value.length() : close);
        }
        int end = at;
        while (end < value.length() && value.charAt(end) != ';' && value.charAt(end) > ' ') {
          end++;
        }
        return value.substring(at, end);
      }
    }
  }
}
