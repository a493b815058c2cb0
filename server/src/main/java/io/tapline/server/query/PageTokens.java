package io.tapline.server.query;

import io.tapline.server.InvalidRequestException;
import io.tapline.server.storage.CallQuery;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Page tokens: the position of the last call of a page, {@code v1:<epoch micros>:<id>}, in
 * URL-safe base64. Opaque to clients; a malformed one is refused naming {@code page_token}.
 */
final class PageTokens {

  private static final String VERSION = "v1";

  private PageTokens() {}

  static String encode(CallQuery.Cursor cursor) {
    if (cursor == null) {
      return "";
    }
    long micros = cursor.timestamp().getEpochSecond() * 1_000_000L + cursor.timestamp().getNano() / 1_000;
    String raw = VERSION + ":" + micros + ":" + cursor.id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  static CallQuery.Cursor decode(String token) {
    if (token.isEmpty()) {
      return null;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = raw.split(":", 3);
      if (parts.length != 3 || !parts[0].equals(VERSION) || parts[2].isEmpty()) {
        throw new IllegalArgumentException();
      }
      long micros = Long.parseLong(parts[1]);
      Instant timestamp =
          Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      return new CallQuery.Cursor(timestamp, parts[2]);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(
          "page_token", "is not a token this server issued; pass next_page_token unchanged");
    }
  }
}
