package io.tapline.server.query;

import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.PageTokenCodec;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.SearchOrder;
import java.time.Instant;

/**
 * Page tokens, opaque to clients: {@code v2:<order>:<window start micros>:<latency
 * micros>:<timestamp micros>:<id>} in URL-safe base64. They carry the position of the last call of
 * a page and the start of the default window the first page used, so later pages cover the same
 * window. A malformed token, or one issued for another order, is refused naming {@code page_token}.
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
    return PageTokenCodec.encode(
        VERSION,
        order.name(),
        Long.toString(Micros.of(windowStart)),
        Long.toString(cursor.latencyMicros()),
        Long.toString(Micros.of(cursor.timestamp())),
        cursor.id());
  }

  /** The position in {@code token}, or null for an empty token. */
  static Position decode(String token, SearchOrder expectedOrder) {
    if (token.isEmpty()) {
      return null;
    }
    String[] parts = PageTokenCodec.decode(token, VERSION, 5);
    Position position;
    try {
      position =
          new Position(
              SearchOrder.valueOf(parts[0]),
              Micros.toInstant(Long.parseLong(parts[1])),
              new CallQuery.Cursor(
                  Long.parseLong(parts[2]), Micros.toInstant(Long.parseLong(parts[3])), parts[4]));
    } catch (IllegalArgumentException e) {
      throw PageTokenCodec.invalid();
    }
    if (position.order() != expectedOrder) {
      throw new InvalidRequestException(
          "page_token", "was issued for order " + position.order() + ", not " + expectedOrder);
    }
    return position;
  }
}
