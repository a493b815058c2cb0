package io.tapline.server.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Page tokens as clients see them: opaque URL-safe base64 of {@code version:part:...}. The parts
 * are the keyset position of a page's last row; a token that does not decode to the expected
 * version and number of parts is refused naming {@code page_token}.
 */
public final class PageTokenCodec {

  private PageTokenCodec() {}

  public static String encode(String version, String... parts) {
    String raw = version + ":" + String.join(":", parts);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The parts of {@code token} after its version; the last part may itself contain colons.
   *
   * @throws InvalidRequestException when the token is not one this server issued
   */
  public static String[] decode(String token, String version, int parts) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] split = raw.split(":", parts + 1);
      if (split.length != parts + 1 || !split[0].equals(version) || split[parts].isEmpty()) {
        throw invalid();
      }
      return java.util.Arrays.copyOfRange(split, 1, split.length);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
  }

  /** The error for a token this server did not issue (also for one whose parts do not parse). */
  public static InvalidRequestException invalid() {
    return new InvalidRequestException(
        "page_token", "is not a token this server issued; pass next_page_token unchanged");
  }
}
