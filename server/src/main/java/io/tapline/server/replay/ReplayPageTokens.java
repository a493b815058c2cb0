package io.tapline.server.replay;

import io.tapline.server.InvalidRequestException;
import io.tapline.server.storage.ReplayStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/** ListReplays page tokens: {@code r1:<epoch micros>:<id>} in URL-safe base64, opaque to clients. */
final class ReplayPageTokens {

  private static final String VERSION = "r1";

  private ReplayPageTokens() {}

  static String encode(ReplayStore.Cursor cursor) {
    if (cursor == null) {
      return "";
    }
    long micros =
        cursor.createdAt().getEpochSecond() * 1_000_000L + cursor.createdAt().getNano() / 1_000;
    String raw = VERSION + ":" + micros + ":" + cursor.id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  static ReplayStore.Cursor decode(String token) {
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
      return new ReplayStore.Cursor(
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
          parts[2]);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(
          "page_token", "is not a token this server issued; pass next_page_token unchanged");
    }
  }
}
