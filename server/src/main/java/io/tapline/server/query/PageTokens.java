package io.tapline.server.query;

import io.tapline.server.InvalidRequestException;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.SearchOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Page tokens, opaque to clients: {@code v2:<order>:<window start micros>:<latency
 * micros>:<timestamp micros>:<id>} in URL-safe base64. They carry the position of the last call
 * of a page and the start of the default window the first page used, so later pages cover the
 * same window. A malformed token, or one issued for another order, is refused naming {@code
 * page_token}.
 */
final class PageTokens {

  private static final String VERSION = "v2";

  /** A decoded token. */
  record Position(SearchOrder order, Instant windowStart, CallQuery.Cursor cursor) {}

  private PageTokens() {}

  static String encode(SearchOrder order, Instant windowStart, CallQuery.Cursor cursor) {
    if (cursor == null) {
      return "";
    }
    String raw =
        String.join(
            ":",
            VERSION,
            order.name(),
            Long.toString(micros(windowStart)),
            Long.toString(cursor.latencyMicros()),
            Long.toString(micros(cursor.timestamp())),
            cursor.id());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** The position in {@code token}, or null for an empty token. */
  static Position decode(String token, SearchOrder expectedOrder) {
    if (token.isEmpty()) {
      return null;
    }
    Position position;
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = raw.split(":", 6);
      if (parts.length != 6 || !parts[0].equals(VERSION) || parts[5].isEmpty()) {
        throw new IllegalArgumentException();
      }
      position =
          new Position(
              SearchOrder.valueOf(parts[1]),
              instantOfMicros(Long.parseLong(parts[2])),
              new CallQuery.Cursor(
                  Long.parseLong(parts[3]), instantOfMicros(Long.parseLong(parts[4])), parts[5]));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(
          "page_token", "is not a token this server issued; pass next_page_token unchanged");
    }
    if (position.order() != expectedOrder) {
      throw new InvalidRequestException(
          "page_token", "was issued for order " + position.order() + ", not " + expectedOrder);
    }
    return position;
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
  }

  private static Instant instantOfMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }
}
