package io.tapline.server.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.tapline.server.config.TaplineConfig;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces secrets in a call by {@link #MASKED} before anything is stored: values of sensitive
 * headers, of sensitive query parameters (in the parameter map and in the url), of sensitive
 * fields of JSON bodies at any depth and of url-encoded form bodies, the password of a url's user
 * info, and card numbers (13 to 19 digits passing the Luhn check) anywhere in bodies, errors and
 * urls.
 *
 * <p>It is on the hot path, so it does the least work that is safe: a JSON body is first only
 * scanned as text, which proves for most bodies that there is nothing to mask (no sensitive
 * member name, no card number, no escape that could hide either); the others are read with
 * Jackson's streaming parser (no tree) and written again only when they hold something to mask.
 * Text that holds no long run of digits is returned as it is. Names are looked up in place,
 * without copies ({@link NameSet}). Field and parameter names are compared ignoring case,
 * {@code '-'} and {@code '_'} ({@code cardNumber} matches {@code card_number}).
 * Thread-safe.
 */
public final class Masker {

  /** What a masked value becomes. Replay and the UI rely on this exact text. */
  public static final String MASKED = "[masked]";

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
          .build();

  /** A quoted JSON member, for bodies that look like JSON but do not parse (cut, malformed). */
  private static final Pattern LENIENT_MEMBER =
      Pattern.compile("\"((?:[^\"\\\\]|\\\\.){1,128})\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\"?|[^,}\\]\\s]+)");

  private final NameSet headers;
  /** Query parameter and body field names: both are masked in query strings and forms. */
  private final NameSet paramNames;
  private final NameSet bodyFields;

  /**
   * @param headers header names masked for every service (any case)
   * @param queryParams query parameter names masked in query_params, urls and form bodies
   * @param bodyFields JSON field names masked at any depth (also applied to form bodies)
   */
  public Masker(
      Collection<String> headers, Collection<String> queryParams, Collection<String> bodyFields) {
    this.headers = NameSet.lowerCase(headers);
    Set<String> params = new HashSet<>(queryParams);
    params.addAll(bodyFields);
    this.paramNames = NameSet.normalized(params);
    this.bodyFields = NameSet.normalized(bodyFields);
  }

  /** The masker of the server's configured sensitive names. */
  static Masker of(TaplineConfig.Ingest config) {
    return new Masker(
        config.sensitiveHeaders(), config.sensitiveQueryParams(), config.sensitiveBodyFields());
  }

  /** Headers with the values of sensitive ones masked; {@code extra} adds a service's own names. */
  Map<String, String> headers(Map<String, String> values, NameSet extra) {
    Map<String, String> out = null;
    for (Map.Entry<String, String> e : values.entrySet()) {
      String name = e.getKey();
      if (headers.contains(name) || extra.contains(name)) {
        if (out == null) {
          out = new LinkedHashMap<>(values);
        }
        out.put(e.getKey(), MASKED);
      }
    }
    return out == null ? values : out;
  }

  /** Query parameters with sensitive values masked, and card numbers masked in the others. */
  Map<String, String> queryParams(Map<String, String> values) {
    Map<String, String> out = null;
    for (Map.Entry<String, String> e : values.entrySet()) {
      String masked = paramNames.contains(e.getKey()) ? MASKED : text(e.getValue());
      if (!masked.equals(e.getValue())) {
        if (out == null) {
          out = new LinkedHashMap<>(values);
        }
        out.put(e.getKey(), masked);
      }
    }
    return out == null ? values : out;
  }

  /** A url with the password of its user info and the values of sensitive parameters masked. */
  String url(String url) {
    String out = url;
    int scheme = out.indexOf("://");
    if (scheme > 0 && out.indexOf('@', scheme + 3) >= 0) {
      int authorityEnd = firstOf(out, scheme + 3, "/?#");
      int at = out.lastIndexOf('@', authorityEnd - 1);
      if (at > scheme) {
        int colon = out.indexOf(':', scheme + 3);
        if (colon > 0 && colon < at) {
          out = out.substring(0, colon + 1) + MASKED + out.substring(at);
        }
      }
    }
    int query = out.indexOf('?');
    if (query >= 0) {
      int fragment = out.indexOf('#', query);
      int end = fragment < 0 ? out.length() : fragment;
      String masked = form(out, query + 1, end);
      if (masked != null) {
        out = out.substring(0, query + 1) + masked + out.substring(end);
      }
    }
    return text(out);
  }

  /**
   * A body with secrets masked: JSON bodies field by field, url-encoded forms parameter by
   * parameter, and card numbers in any text.
   *
   * @param contentType the body's content type, or null when unknown
   */
  String body(String body, String contentType) {
    if (body.isEmpty()) {
      return body;
    }
    if (looksLikeJson(body)) {
      return json(body);
    }
    if (contentType != null && contentType.toLowerCase(Locale.ROOT).contains("x-www-form-urlencoded")) {
      String masked = form(body, 0, body.length());
      return text(masked == null ? body : masked);
    }
    return text(body);
  }

  /** Free text with card numbers masked. Returns {@code s} itself when nothing is masked. */
  String text(String s) {
    if (!mayHoldCardNumber(s)) {
      return s;
    }
    int n = s.length();
    StringBuilder out = null;
    int copied = 0;
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (c < '2' || c > '6' || (i > 0 && isDigit(s.charAt(i - 1)))) {
        i++;
        continue;
      }
      // A candidate starts with 2-6 (the card networks' first digits); digits may be grouped
      // by single spaces or dashes.
      int digits = 0;
      int j = i;
      int lastDigitEnd = i;
      int matchEnd = -1;
      while (j < n) {
        char d = s.charAt(j);
        if (isDigit(d)) {
          digits++;
          j++;
          lastDigitEnd = j;
          if (digits >= 13 && digits <= 19 && (j == n || !isDigit(s.charAt(j)))
              && luhn(s, i, j)) {
            matchEnd = j;
          }
          if (digits > 19) {
            break;
          }
        } else if ((d == ' ' || d == '-') && j + 1 < n && isDigit(s.charAt(j + 1))
            && j > i && isDigit(s.charAt(j - 1))) {
          j++;
        } else {
          break;
        }
      }
      if (matchEnd > 0 && !(matchEnd < n && isDigit(s.charAt(matchEnd)))) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(s, copied, i).append(MASKED);
        copied = matchEnd;
        i = matchEnd;
      } else {
        i = Math.max(i + 1, lastDigitEnd);
      }
    }
    if (out == null) {
      return s;
    }
    return out.append(s, copied, n).toString();
  }

  /**
   * A cheap first pass: true when {@code s} has a run of 13 or more digits, possibly grouped by
   * single spaces or dashes. Most text has none and is then returned untouched.
   *
   * <p>Such a run spans at least 13 characters that are all digits, spaces or dashes, so it
   * covers one of every 13 positions: only those are looked at, and the span of digits and
   * separators around one that is such a character is checked whole.
   */
  static boolean mayHoldCardNumber(String s) {
    int n = s.length();
    int probe = MIN_CARD_DIGITS - 1;
    while (probe < n) {
      if (!isDigitOrSeparator(s.charAt(probe))) {
        probe += MIN_CARD_DIGITS;
        continue;
      }
      int from = probe;
      while (from > 0 && isDigitOrSeparator(s.charAt(from - 1))) {
        from--;
      }
      int to = probe + 1;
      while (to < n && isDigitOrSeparator(s.charAt(to))) {
        to++;
      }
      if (hasLongDigitRun(s, from, to)) {
        return true;
      }
      probe = to + MIN_CARD_DIGITS; // s[to] is neither: a run after it starts at to + 1
    }
    return false;
  }

  private static final int MIN_CARD_DIGITS = 13;

  private static boolean isDigitOrSeparator(char c) {
    return (c >= '0' && c <= '9') || c == ' ' || c == '-';
  }

  // The run rules over s[from, to), which holds only digits and separators.
  private static boolean hasLongDigitRun(String s, int from, int to) {
    int digits = 0;
    boolean afterSeparator = false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (++digits >= MIN_CARD_DIGITS) {
          return true;
        }
        afterSeparator = false;
      } else if (digits > 0 && !afterSeparator) {
        afterSeparator = true;
      } else {
        digits = 0;
        afterSeparator = false;
      }
    }
    return false;
  }

  // Checks the digits of s[from, to), skipping separators.
  private static boolean luhn(String s, int from, int to) {
    int sum = 0;
    boolean doubled = false;
    for (int k = to - 1; k >= from; k--) {
      char c = s.charAt(k);
      if (!isDigit(c)) {
        continue;
      }
      int v = c - '0';
      if (doubled) {
        v *= 2;
        if (v > 9) {
          v -= 9;
        }
      }
      sum += v;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /**
   * The url-encoded form or query string {@code s[from, to)} with the values of sensitive names
   * masked, or null when it has none to mask.
   */
  private String form(String s, int from, int to) {
    StringBuilder out = null;
    int start = from;
    while (start <= to) {
      int amp = s.indexOf('&', start, to);
      int end = amp < 0 ? to : amp;
      int eq = s.indexOf('=', start, end);
      if (eq >= 0 && isParamName(s, start, eq) && !s.startsWith(MASKED, eq + 1)) {
        if (out == null) {
          out = new StringBuilder(to - from + MASKED.length());
          out.append(s, from, start);
        }
        out.append(s, start, eq + 1).append(MASKED);
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

  /** True when the url-encoded name {@code s[from, to)}, decoded, is a sensitive parameter. */
  private boolean isParamName(String s, int from, int to) {
    if (s.indexOf('%', from, to) < 0 && s.indexOf('+', from, to) < 0) {
      return paramNames.contains(s, from, to); // nothing to decode
    }
    return paramNames.contains(decode(s.substring(from, to)));
  }

  private static boolean looksLikeJson(String body) {
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '{' || c == '[') {
        return true;
      }
      if (!Character.isWhitespace(c)) {
        return false;
      }
    }
    return false;
  }

  private String json(String body) {
    int found = prescan(body);
    if (found == NOTHING) {
      return body; // the common case, decided without parsing
    }
    try {
      if (found == MAYBE && !jsonNeedsMasking(body)) {
        return body;
      }
      return rewriteJson(body);
    } catch (IOException | RuntimeException e) {
      // Not valid JSON (cut by the sender, or malformed): mask what can be recognised as members.
      return lenientJson(body);
    }
  }

  // What prescan found: nothing to mask, maybe something, or most likely something.
  private static final int NOTHING = 0;
  private static final int MAYBE = 1;
  private static final int LIKELY = 2;

  /**
   * A first pass over JSON text that decides without parsing when there is nothing to mask, and
   * otherwise whether a parse may find something (MAYBE) or most likely will (LIKELY). It reads
   * the raw text, where member names and values look as the parser will decode them unless they
   * hold escapes: a member name with a backslash is MAYBE, and so is any backslash-u escape in
   * the body (it can hide a digit, space or dash inside a card number). Card numbers are looked
   * for in the raw text with the rules of {@link #text}; JSON punctuation between two values
   * keeps their digits apart. False positives only cost a parse.
   */
  private int prescan(String body) {
    int backslash = body.indexOf('\\');
    int colon = body.indexOf(':');
    while (colon >= 0) {
      int end = colon - 1;
      while (end >= 0 && Character.isWhitespace(body.charAt(end))) {
        end--;
      }
      if (end > 0 && body.charAt(end) == '"') {
        int start = body.lastIndexOf('"', end - 1);
        if (start >= 0) {
          if (backslash >= 0
              && backslash < end
              && body.indexOf('\\', Math.max(0, start - 1), end) >= 0) {
            return MAYBE; // an escaped quote or another escape in the name
          }
          if (bodyFields.contains(body, start + 1, end)) {
            return LIKELY;
          }
        }
      }
      colon = body.indexOf(':', colon + 1);
    }
    if (text(body) != body) {
      return LIKELY;
    }
    return backslash >= 0 && body.indexOf("\\u", backslash) >= 0 ? MAYBE : NOTHING;
  }

  /** The JSON path without the first pass: what {@link #body} gives any JSON body (for tests). */
  String jsonByParsing(String body) {
    try {
      return jsonNeedsMasking(body) ? rewriteJson(body) : body;
    } catch (IOException | RuntimeException e) {
      return lenientJson(body);
    }
  }

  private boolean jsonNeedsMasking(String body) throws IOException {
    try (JsonParser parser = JSON.createParser(body)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        switch (token) {
          case FIELD_NAME -> {
            if (bodyFields.contains(parser.currentName())) {
              return true;
            }
          }
          case VALUE_STRING -> {
            String value = parser.getText();
            if (text(value) != value) {
              return true;
            }
          }
          case VALUE_NUMBER_INT -> {
            String value = parser.getText();
            if (text(value) != value) {
              return true;
            }
          }
          default -> {}
        }
      }
      return false;
    }
  }

  /** The body with its secrets masked, or the body itself when it holds none. */
  private String rewriteJson(String body) throws IOException {
    StringWriter out = new StringWriter(body.length());
    boolean changed = false;
    try (JsonParser parser = JSON.createParser(body);
        JsonGenerator generator = JSON.createGenerator(out)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.FIELD_NAME && bodyFields.contains(parser.currentName())) {
          generator.writeFieldName(parser.currentName());
          parser.nextToken();
          parser.skipChildren(); // a sensitive object or array is masked as a whole
          generator.writeString(MASKED);
          changed = true;
          continue;
        }
        switch (token) {
          case VALUE_STRING -> {
            String value = parser.getText();
            String masked = text(value);
            changed |= masked != value;
            generator.writeString(masked);
          }
          case VALUE_NUMBER_INT -> {
            String value = parser.getText();
            if (text(value) != value) {
              generator.writeString(MASKED);
              changed = true;
            } else {
              generator.copyCurrentEvent(parser);
            }
          }
          default -> generator.copyCurrentEvent(parser);
        }
      }
    }
    return changed ? out.toString() : body;
  }

  private String lenientJson(String body) {
    Matcher m = LENIENT_MEMBER.matcher(body);
    StringBuilder out = new StringBuilder(body.length());
    while (m.find()) {
      String replacement = m.group();
      if (bodyFields.contains(m.group(1))) {
        replacement =
            body.substring(m.start(), m.start(2)) + "\"" + MASKED + "\"";
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return text(out.toString());
  }

  private static int firstOf(String s, int from, String chars) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  /** A name in the form names are compared in: lower case, without '-' and '_'. */
  static String normalize(String name) {
    StringBuilder out = null;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean keep = c != '-' && c != '_';
      char lower = Character.toLowerCase(c);
      if (out == null && (!keep || lower != c)) {
        out = new StringBuilder(name.length());
        out.append(name, 0, i);
      }
      if (out != null && keep) {
        out.append(lower);
      }
    }
    return out == null ? name : out.toString();
  }
}
