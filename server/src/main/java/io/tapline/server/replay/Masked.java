package io.tapline.server.replay;

import java.util.Locale;

/** The placeholder that replaces masked values at ingest, and how replay recognises it. */
final class Masked {

  /** What a masked value is stored as: {@value}. */
  static final String VALUE = "[masked]";

  private static final String ENCODED = "%5bmasked%5d";

  private Masked() {}

  /** True when {@code text} holds the placeholder, plainly or percent-encoded. */
  static boolean in(String text) {
    if (text == null || text.isEmpty()) {
      return false;
    }
    return text.contains(VALUE) || text.toLowerCase(Locale.ROOT).contains(ENCODED);
  }
}
