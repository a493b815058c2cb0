package io.tapline.masking;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Replaces secrets in a recorded call by {@value #MASKED}: values of sensitive headers, query
 * parameters (in the map, the url's query and its fragment), JSON members at any depth, form and
 * multipart fields, tags, {@code name=value} pairs and bearer credentials in free text, the
 * password of a url's user info, and card numbers (13 to 19 digits passing the Luhn check) anywhere
 * in text. Names are matched as {@linkplain SensitiveNames tokens}.
 *
 * <p>The one masker of Tapline: the server masks every call with it before storing it, replays mask
 * their responses with it, and the Java SDK masks calls with it before they leave the process.
 * Every scan is linear in its input, uses no regular expression and no recursion, and throws
 * nothing for any input: cut, malformed or deeply nested JSON is masked as far as it goes. What is
 * not masked is kept byte for byte. Immutable and thread-safe.
 */
public final class Masker {

  /** What a masked value becomes. Replay and the console rely on this exact text. */
  public static final String MASKED = "[masked]";

  /** {@link #MASKED} percent-encoded, as it appears in urls re-encoded by a client. */
  public static final String MASKED_URL_ENCODED = "%5Bmasked%5D";

  /** Headers masked by default. */
  public static final List<String> DEFAULT_HEADERS =
      List.of(
          "authorization",
          "proxy-authorization",
          "cookie",
          "set-cookie",
          "x-api-key",
          "api-key",
          "x-auth-token",
          "x-access-token",
          "x-csrf-token",
          "x-xsrf-token",
          "x-amz-security-token");

  /** Query parameters (and form fields) masked by default. */
  public static final List<String> DEFAULT_QUERY_PARAMS =
      List.of(
          "token",
          "access_token",
          "refresh_token",
          "id_token",
          "api_key",
          "apikey",
          "key",
          "password",
          "passwd",
          "pwd",
          "secret",
          "client_secret",
          "signature",
          "sig",
          "session",
          "sessionid",
          "auth",
          "code",
          "credential",
          "otp",
          "x-amz-signature",
          "x-amz-credential");

  /** JSON members, form fields, tag keys and names in free text masked by default. */
  public static final List<String> DEFAULT_BODY_FIELDS =
      List.of(
          "password",
          "passwd",
          "pwd",
          "passcode",
          "secret",
          "client_secret",
          "token",
          "access_token",
          "refresh_token",
          "id_token",
          "api_key",
          "apikey",
          "authorization",
          "private_key",
          "credential",
          "credentials",
          "signature",
          "otp",
          "sessionid",
          "jsessionid",
          "card_number",
          "cardnumber",
          "pan",
          "cvv",
          "cvc",
          "security_code",
          "ssn",
          "iban");

  private static final Masker DEFAULTS = builder().build();

  private final SensitiveNames headers;

  /** Query parameters and body fields: both are masked in query strings and forms. */
  private final SensitiveNames params;

  private final SensitiveNames fields;

  private Masker(SensitiveNames headers, SensitiveNames params, SensitiveNames fields) {
    this.headers = headers.plus(fields);
    this.params = params.plus(fields);
    this.fields = fields;
  }

  /** The masker of the default names. */
  public static Masker defaults() {
    return DEFAULTS;
  }

  /** A masker of the default names and more. */
  public static Builder builder() {
    return new Builder();
  }

  /** Adds names to the defaults; every name list is added to, never replaced. */
  public static final class Builder {

    private final Set<String> headers = new LinkedHashSet<>(DEFAULT_HEADERS);
    private final Set<String> params = new LinkedHashSet<>(DEFAULT_QUERY_PARAMS);
    private final Set<String> fields = new LinkedHashSet<>(DEFAULT_BODY_FIELDS);

    private Builder() {}

    /** Header names masked besides the defaults. */
    public Builder headers(Collection<String> names) {
      headers.addAll(names);
      return this;
    }

    /** Query parameter names masked besides the defaults. */
    public Builder queryParams(Collection<String> names) {
      params.addAll(names);
      return this;
    }

    /** Body field names (JSON, forms, tags, free text) masked besides the defaults. */
    public Builder bodyFields(Collection<String> names) {
      fields.addAll(names);
      return this;
    }

    public Masker build() {
      return new Masker(
          SensitiveNames.of(headers), SensitiveNames.of(params), SensitiveNames.of(fields));
    }
  }

  /** True when a header of this name is masked. */
  public boolean isSensitiveHeader(String name) {
    return headers.contains(name);
  }

  /** True when a header of this name is masked, with a service's own header names. */
  public boolean isSensitiveHeader(String name, SensitiveNames extra) {
    return headers.contains(name) || extra.contains(name);
  }

  /** Headers with sensitive values masked; the map itself when nothing is masked. */
  public Map<String, String> headers(Map<String, String> values) {
    return headers(values, SensitiveNames.none());
  }

  /**
   * Headers with the values of sensitive ones masked; {@code extra} adds a service's own names.
   * Returns the map itself when nothing is masked.
   */
  public Map<String, String> headers(Map<String, String> values, SensitiveNames extra) {
    Map<String, String> out = null;
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (isSensitiveHeader(e.getKey(), extra) && !MASKED.equals(e.getValue())) {
        if (out == null) {
          out = new LinkedHashMap<>(values);
        }
        out.put(e.getKey(), MASKED);
      }
    }
    return out == null ? values : out;
  }

  /** Query parameters with sensitive values masked, and card numbers masked in the others. */
  public Map<String, String> queryParams(Map<String, String> values) {
    return pairs(values, params, false);
  }

  /** Tags with the values of sensitive keys masked, and secrets in the others. */
  public Map<String, String> tags(Map<String, String> values) {
    return pairs(values, fields, true);
  }

  /** A tag's value as stored: masked whole when its key is sensitive, its secrets otherwise. */
  public String tag(String key, String value) {
    return fields.contains(key) ? MASKED : text(value);
  }

  private Map<String, String> pairs(
      Map<String, String> values, SensitiveNames names, boolean text) {
    Map<String, String> out = null;
    for (Map.Entry<String, String> e : values.entrySet()) {
      String value = e.getValue();
      String masked = names.contains(e.getKey()) ? MASKED : text ? text(value) : cards(value);
      if (!masked.equals(value)) {
        if (out == null) {
          out = new LinkedHashMap<>(values);
        }
        out.put(e.getKey(), masked);
      }
    }
    return out == null ? values : out;
  }

  /**
   * A url with the password of its user info, the values of sensitive parameters in its query and
   * in its fragment ({@code #access_token=...}), and card numbers masked.
   */
  public String url(String url) {
    return url(url, MASKED);
  }

  /**
   * The url masked as {@link #url} masks it, with {@value #MASKED_URL_ENCODED} as the placeholder,
   * so that it stays a valid URI (for a client that sends it on to a validating server).
   */
  public String uriSafeUrl(String url) {
    return url(url, MASKED_URL_ENCODED);
  }

  private String url(String url, String mask) {
    String out = url;
    int scheme = out.indexOf("://");
    if (scheme > 0 && out.indexOf('@', scheme + 3) >= 0) {
      int authorityEnd = firstOf(out, scheme + 3, "/?#");
      int at = out.lastIndexOf('@', authorityEnd - 1);
      if (at > scheme) {
        int colon = out.indexOf(':', scheme + 3);
        if (colon > 0 && colon < at) {
          out = out.substring(0, colon + 1) + mask + out.substring(at);
        }
      }
    }
    int fragment = out.indexOf('#');
    int query = out.indexOf('?');
    if (query >= 0 && (fragment < 0 || query < fragment)) {
      int end = fragment < 0 ? out.length() : fragment;
      String masked = Forms.urlEncoded(out, query + 1, end, params, mask);
      if (masked != null) {
        out = out.substring(0, query + 1) + masked + out.substring(end);
        fragment = fragment < 0 ? -1 : query + 1 + masked.length();
      }
    }
    if (fragment >= 0 && out.indexOf('=', fragment) >= 0) {
      String masked = Forms.urlEncoded(out, fragment + 1, out.length(), params, mask);
      if (masked != null) {
        out = out.substring(0, fragment + 1) + masked;
      }
    }
    return Cards.mask(out, mask);
  }

  /** The Content-Type among {@code headers}, its name in any case, or null: for {@link #body}. */
  public static String contentType(Map<String, String> headers) {
    String value = headers.get("content-type");
    if (value != null) {
      return value;
    }
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase("content-type")) {
        return e.getValue();
      }
    }
    return null;
  }

  /**
   * A body with secrets masked: JSON (also behind a byte-order mark or an anti-XSSI prefix such as
   * {@code )]}'}) member by member, multipart and url-encoded forms field by field (whatever the
   * content type says, when the body has their shape), other text as free text.
   *
   * @param contentType the body's content type, or null when unknown
   */
  public String body(String body, String contentType) {
    if (body.isEmpty()) {
      return body;
    }
    if (isJson(body)) {
      return Json.mask(body, fields);
    }
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    if (type.contains("multipart/") || body.startsWith("--")) {
      String boundary = Forms.multipartBoundary(body);
      if (boundary != null) {
        String masked = Forms.multipart(body, boundary, params);
        return masked == null ? body : masked;
      }
    }
    if (type.contains("x-www-form-urlencoded") || Forms.looksUrlEncoded(body)) {
      String masked = Forms.urlEncoded(body, 0, body.length(), params, MASKED);
      return cards(masked == null ? body : masked);
    }
    return FreeText.mask(body, fields);
  }

  /**
   * Free text (an error message, a plain body) with secrets masked: values after sensitive names
   * ({@code password=...}, {@code "token": "..."}), bearer credentials and card numbers. Returns
   * {@code s} itself when nothing is masked.
   */
  public String text(String s) {
    return s.isEmpty() ? s : FreeText.mask(s, fields);
  }

  /** {@code s} with card numbers masked; {@code s} itself when it holds none. */
  public String cards(String s) {
    return Cards.mask(s, MASKED);
  }

  /** True when {@code text} holds the placeholder, plainly or percent-encoded. */
  public static boolean holdsMask(String text) {
    if (text == null || text.isEmpty()) {
      return false;
    }
    return text.contains(MASKED)
        || text.toLowerCase(Locale.ROOT).contains(MASKED_URL_ENCODED.toLowerCase(Locale.ROOT));
  }

  /** True when the body is JSON: its first character, after a prefix, opens an object or array. */
  static boolean isJson(String body) {
    int i = 0;
    int n = body.length();
    if (i < n && body.charAt(i) == '\uFEFF') {
      i++;
    }
    i = skipWhitespace(body, i);
    for (String prefix : XSSI_PREFIXES) {
      if (body.startsWith(prefix, i)) {
        i = skipWhitespace(body, i + prefix.length());
        break;
      }
    }
    return i < n && (body.charAt(i) == '{' || body.charAt(i) == '[');
  }

  /** Prefixes servers put before JSON against cross-site script inclusion. */
  private static final List<String> XSSI_PREFIXES =
      List.of(")]}',", ")]}'", "while(1);", "for(;;);");

  private static int skipWhitespace(String s, int from) {
    int i = from;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int firstOf(String s, int from, String chars) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  @Override
  public String toString() {
    return "Masker{headers=" + headers + ", params=" + params + ", fields=" + fields + "}";
  }
}
