package io.tapline.server.storage.clickhouse;

import java.sql.Array;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/** ClickHouse arrays as Java values, whatever element type the driver returns. */
final class SqlArrays {

  private SqlArrays() {}

  static String[] strings(Array array) throws SQLException {
    if (array == null) {
      return new String[0];
    }
    Object value = array.getArray();
    if (value instanceof String[] strings) {
      return strings;
    }
    Object[] objects = (Object[]) value;
    String[] strings = new String[objects.length];
    for (int i = 0; i < objects.length; i++) {
      strings[i] = String.valueOf(objects[i]);
    }
    return strings;
  }

  /** An array of integers (any width). */
  static List<Long> longs(Array array) throws SQLException {
    Object value = array.getArray();
    if (value instanceof long[] l) {
      return Arrays.stream(l).boxed().toList();
    }
    return Arrays.stream((Object[]) value).map(x -> ((Number) x).longValue()).toList();
  }

  /** An array of numbers. */
  static double[] doubles(Array array) throws SQLException {
    Object value = array.getArray();
    if (value instanceof double[] d) {
      return d;
    }
    return Arrays.stream((Object[]) value).mapToDouble(x -> ((Number) x).doubleValue()).toArray();
  }
}
