package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Strings in RowBinary: the UTF-8 length as a varint, then the bytes, across chunk boundaries. */
class RowBinaryTest {

  @Test
  void writesStringsAsTheirUtf8LengthAndBytes() {
    Random random = new Random(9);
    String[] pieces = {"a", "Z", "0", "-", "é", "ß", "日本", "😀", "\uD800", "\u0000", "\u007F", "\u0080"};
    ClickHouseCallWriter.RowBinary out = new ClickHouseCallWriter.RowBinary();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int i = 0; i < 20_000; i++) {
      StringBuilder s = new StringBuilder();
      int length = random.nextInt(10) == 0 ? random.nextInt(400) : random.nextInt(140);
      boolean ascii = random.nextBoolean();
      for (int k = 0; k < length; k++) {
        s.append(ascii ? pieces[random.nextInt(4)] : pieces[random.nextInt(pieces.length)]);
      }
      out.string(s.toString());
      byte[] utf8 = s.toString().getBytes(StandardCharsets.UTF_8);
      varint(expected, utf8.length);
      expected.writeBytes(utf8);
      if (random.nextInt(7) == 0) {
        out.uint8(7); // shifts the strings against the chunk boundaries
        expected.write(7);
      }
    }
    List<byte[]> chunks = out.finish();
    assertThat(chunks.size()).isGreaterThan(3);
    ByteArrayOutputStream actual = new ByteArrayOutputStream();
    chunks.forEach(actual::writeBytes);
    assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }
}
