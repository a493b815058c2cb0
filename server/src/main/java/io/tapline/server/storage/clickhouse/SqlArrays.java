package io.tapline.server.storage.clickhouse;

import java.sql.Array;
import java.sql.SQLException;

/** ClickHouse Array(String) values as Java arrays, whatever element type the driver returns. */
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
}
