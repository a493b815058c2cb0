package io.tapline.sdk;

import java.util.Arrays;

/**
 * The first bytes of a body as it streams past, up to a cap, and the size of the whole body.
 * Integrations tee request and response streams into one; the buffer grows only as far as the body
 * and the cap require. Not thread-safe: one stream writes it.
 */
public final class BodyCapture {

  private static final byte[] EMPTY = new byte[0];

  private final int max;
  private byte[] bytes = EMPTY;
  private int length;
  private long total;

  public BodyCapture(int maxBytes) {
    this.max = Math.max(0, maxBytes);
  }

  public void write(int b) {
    total++;
    if (length < max) {
      ensure(length + 1);
      bytes[length++] = (byte) b;
    }
  }

  public void write(byte[] b, int off, int len) {
    if (len <= 0) {
      return;
    }
    total += len;
    int keep = Math.min(len, max - length);
    if (keep > 0) {
      ensure(length + keep);
      System.arraycopy(b, off, bytes, length, keep);
      length += keep;
    }
  }

  /** Copies from a buffer without moving its position. */
  public void write(java.nio.ByteBuffer buffer) {
    int len = buffer.remaining();
    total += len;
    int keep = Math.min(len, max - length);
    if (keep > 0) {
      ensure(length + keep);
      buffer.duplicate().get(bytes, length, keep);
      length += keep;
    }
  }

  /** Bytes seen, including those past the cap. */
  public long total() {
    return total;
  }

  /** Hands the captured request body to {@code call}, if anything was seen. */
  public void toRequest(CapturedCall call) {
    if (total > 0) {
      call.requestBody(bytes, length, total);
    }
  }

  public void toResponse(CapturedCall call) {
    if (total > 0) {
      call.responseBody(bytes, length, total);
    }
  }

  private void ensure(int needed) {
    if (needed > bytes.length) {
      bytes =
          Arrays.copyOf(bytes, Math.min(max, Math.max(needed, Math.max(256, bytes.length * 2))));
    }
  }
}
