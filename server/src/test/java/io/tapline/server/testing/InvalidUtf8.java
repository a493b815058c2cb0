package io.tapline.server.testing;

import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Protobuf bytes that protobuf itself refuses to read: strings that are not UTF-8. */
public final class InvalidUtf8 {

  /** The text to put where the bytes should turn invalid. */
  public static final String MARK = "MARK";

  private InvalidUtf8() {}

  /**
   * The bytes of {@code message} with the first byte of every {@link #MARK} in its strings made
   * 0xFF, which never occurs in UTF-8.
   *
   * @throws AssertionError when no string holds the mark
   */
  public static byte[] at(Message message) {
    byte[] bytes = message.toByteArray();
    byte[] mark = MARK.getBytes(StandardCharsets.US_ASCII);
    boolean found = false;
    for (int i = 0; i + mark.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + mark.length, mark, 0, mark.length)) {
        bytes[i] = (byte) 0xFF;
        found = true;
      }
    }
    if (!found) {
      throw new AssertionError("no " + MARK + " in the message");
    }
    return bytes;
  }
}
