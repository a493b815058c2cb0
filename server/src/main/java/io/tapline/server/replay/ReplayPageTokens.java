package io.tapline.server.replay;

import io.tapline.server.api.PageTokenCodec;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.ReplayStore;

/** ListReplays page tokens: the creation time (micros) and id of a page's last replay. */
final class ReplayPageTokens {

  private static final String VERSION = "r1";

  private ReplayPageTokens() {}

  static String encode(ReplayStore.Cursor cursor) {
    if (cursor == null) {
      return "";
    }
    return PageTokenCodec.encode(
        VERSION, Long.toString(Micros.of(cursor.createdAt())), cursor.id());
  }

  static ReplayStore.Cursor decode(String token) {
    if (token.isEmpty()) {
      return null;
    }
    String[] parts = PageTokenCodec.decode(token, VERSION, 2);
    try {
      return new ReplayStore.Cursor(Micros.toInstant(Long.parseLong(parts[0])), parts[1]);
    } catch (NumberFormatException e) {
      throw PageTokenCodec.invalid();
    }
  }
}
