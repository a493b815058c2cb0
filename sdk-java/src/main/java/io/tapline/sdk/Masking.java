package io.tapline.sdk;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets before a call leaves the process: sensitive headers, query parameters, JSON
 * fields and form fields have their values replaced by {@value #MASK}. The server masks again on
 * arrival; this is defence in depth, so a secret never crosses the network to Tapline.
 *
 * <p>A header is sensitive when its name is listed, or contains one of the sensitive field
 * fragments; a query parameter, JSON field or form field when its name contains one.
 */
final class Masking {

  static final String MASK = "[masked]";
  private static final String URL_MASK = "%5Bmasked%5D";

  /** Headers masked by default (lower case). */
  static final Set<String> DEFAULT_HEADERS =
      Set.of(
          "authorization",
          "proxy-authorization",
          "cookie",
          "set-cookie",
          "x-api-key",
          "x-auth-token",
          "x-amz-security-token");

  /** Name fragments that make a field, parameter or header sensitive (lower case). */
  static final List<String> DEFAULT_FIELD_FRAGMENTS =
      List.of(
          "password", "passwd", "secret", "token", "api_key", "apikey", "api-key", "credential",
          "authorization", "session");

  /** A JSON member whose value is a string, number or literal: group 1 the name, 2 the value. */
  private static final Pattern JSON_MEMBER =
      Pattern.compile(
          "\"((?:[^\"\\\\]|\\\\.){1,256})\"(\\s*:\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][0-9.eE+-]*|true|false|null)");

  private final Set<String> headers;
  private final List<String> fragments;

  Masking(Set<String> extraHeaders, List<String> extraFragments) {
    this.headers =
        Set.copyOf(
            java.util.stream.Stream.concat(
                    DEFAULT_HEADERS.stream(),
                    extraHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT)))
                .toList());
    this.fragments =
        java.util.stream.Stream.concat(
                DEFAULT_FIELD_FRAGMENTS.stream(),
                extraFragments.stream().map(f -> f.toLowerCase(Locale.ROOT)))
            .distinct()
            .toList();
  }

  boolean isSensitiveHeader(String lowerCaseName) {
    return headers.contains(lowerCaseName) || isSensitiveField(lowerCaseName);
  }

  boolean isSensitiveField(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String fragment : fragments) {
      if (lower.contains(fragment)) {
        return true;
      }
    }
    return false;
  }

  /** The URL with the values of sensitive query parameters masked. */
  String url(String url) {
    int query = url.indexOf('?');
    if (query < 0) {
      return url;
    }
    int fragment = url.indexOf('#', query);
    String tail = fragment < 0 ? "" : url.substring(fragment);
    String params = url.substring(query + 1, fragment < 0 ? url.length() : fragment);
    String masked = formFields(params, URL_MASK);
    return masked == params ? url : url.substring(0, query + 1) + masked + tail;
  }

  /** A body masked according to its content type (JSON and form bodies; others as they are). */
  String body(String body, String contentType) {
    if (body.isEmpty()) {
      return body;
    }
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    if (type.contains("x-www-form-urlencoded")) {
      return formFields(body, URL_MASK);
    }
    char first = firstNonBlank(body);
    if (type.contains("json") || first == '{' || first == '[') {
      return json(body);
    }
    return body;
  }

  String json(String body) {
    Matcher m = JSON_MEMBER.matcher(body);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      if (isSensitiveField(m.group(1)) && !m.group(3).equals("\"" + MASK + "\"")) {
        if (out == null) {
          out = new StringBuilder(body.length() + 16);
        }
        out.append(body, last, m.start(3)).append('"').append(MASK).append('"');
        last = m.end(3);
      }
    }
    return out == null ? body : out.append(body, last, body.length()).toString();
  }

  /** {@code a=1&b=2} with sensitive values replaced; the same instance when nothing changed. */
  private String formFields(String params, String mask) {
    StringBuilder out = null;
    int start = 0;
    while (start <= params.length()) {
      int end = params.indexOf('&', start);
      if (end < 0) {
        end = params.length();
      }
      int eq = params.indexOf('=', start);
      if (eq >= 0 && eq < end && isSensitiveField(decode(params.substring(start, eq)))) {
        if (out == null) {
          out = new StringBuilder(params.length() + 16).append(params, 0, start);
        }
        out.append(params, start, eq + 1).append(mask);
      } else if (out != null) {
        out.append(params, start, end);
      }
      if (end < params.length() && out != null) {
        out.append('&');
      }
      start = end + 1;
    }
    return out == null ? params : out.toString();
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static char firstNonBlank(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isWhitespace(s.charAt(i))) {
        return s.charAt(i);
      }
    }
    return ' ';
  }
}
