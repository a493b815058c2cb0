package io.tapline.server.replay;

import java.util.Locale;
import java.util.Set;

/** Headers whose values a stored replay never keeps, whoever supplied them. */
final class Sensitive {

  private static final Set<String> HEADERS =
      Set.of(
          "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
          "api-key", "x-auth-token", "x-csrf-token", "x-xsrf-token");

  private Sensitive() {}

  static boolean header(String name) {
    return HEADERS.contains(name.toLowerCase(Locale.ROOT));
  }
}
