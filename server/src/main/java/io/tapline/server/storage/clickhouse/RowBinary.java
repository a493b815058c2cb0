package io.tapline.server.storage.clickhouse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * ClickHouse's RowBinary encoding of the column types api_calls uses, into chunks of {@value
 * #CHUNK} bytes: small enough that the heap treats them as ordinary objects (a batch in one array
 * of a megabyte or more would be a humongous allocation in G1), large enough that sending them
 * costs nothing.
 */
final class RowBinary {

  static final int CHUNK = 64 << 10;

  private final List<byte[]> chunks = new ArrayList<>();
  private final byte[] scratch = new byte[10];
  private byte[] buf = new byte[CHUNK];
  private int pos;

  /** The chunks: all full but the last, which is cut to its length. */
  List<byte[]> finish() {
    chunks.add(pos == buf.length ? buf : Arrays.copyOf(buf, pos));
    buf = null;
    return chunks;
  }

  void uint8(int v) {
    if (pos == buf.length) {
      next();
    }
    buf[pos++] = (byte) v;
  }

  void uint16(int v) {
    littleEndian(v, 2);
  }

  void uint32(long v) {
    littleEndian(v, 4);
  }

  void int64(long v) {
    littleEndian(v, 8);
  }

  private void littleEndian(long v, int n) {
    if (buf.length - pos >= n) {
      for (int i = 0; i < n; i++) {
        buf[pos++] = (byte) (v >>> (8 * i));
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      scratch[i] = (byte) (v >>> (8 * i));
    }
    raw(scratch, n);
  }

  void float64(double v) {
    int64(Double.doubleToLongBits(v));
  }

  void float32(float v) {
    uint32(Float.floatToIntBits(v) & 0xFFFF_FFFFL);
  }

  void varint(long v) {
    byte[] target = buf.length - pos >= 10 ? buf : scratch;
    int at = target == buf ? pos : 0;
    while ((v & ~0x7FL) != 0) {
      target[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    target[at++] = (byte) v;
    if (target == buf) {
      pos = at;
    } else {
      raw(scratch, at);
    }
  }

  void string(String s) {
    bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  void bytes(byte[] b) {
    varint(b.length);
    raw(b, b.length);
  }

  /** Copies bytes, across chunks where they do not fit in the current one. */
  private void raw(byte[] b, int length) {
    int from = 0;
    while (from < length) {
      if (pos == buf.length) {
        next();
      }
      int n = Math.min(length - from, buf.length - pos);
      System.arraycopy(b, from, buf, pos, n);
      pos += n;
      from += n;
    }
  }

  private void next() {
    chunks.add(buf);
    buf = new byte[CHUNK];
    pos = 0;
  }

  void map(Map<String, String> m) {
    varint(m.size());
    for (Map.Entry<String, String> e : m.entrySet()) {
      string(e.getKey());
      string(e.getValue());
    }
  }

  void numberMap(Map<String, Double> m) {
    varint(m.size());
    for (Map.Entry<String, Double> e : m.entrySet()) {
      string(e.getKey());
      float64(e.getValue());
    }
  }
}
