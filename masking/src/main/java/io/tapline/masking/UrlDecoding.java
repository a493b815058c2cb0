package io.tapline.masking;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Decoding of url-encoded names and values, as the masker, ingest and replays read them. */
public final class UrlDecoding {

  private UrlDecoding() {}

  /** {@code s} url-decoded as UTF-8; malformed escapes are kept as they were sent. */
  public static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
