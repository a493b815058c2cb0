package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The description of the call columns matches the table the migrations made. */
class CallColumnsIT {

  private static ClickHouseStorage storage;

  @BeforeAll
  static void open() {
    storage = SharedClickHouse.openStorage(CallColumnsIT.class, 1);
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  @Test
  void everyDescribedColumnHasItsTypeInTheTable() throws Exception {
    Map<String, String> table = new LinkedHashMap<>();
    try (Connection c = storage.dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT name, type FROM system.columns"
                    + " WHERE database = currentDatabase() AND table = 'api_calls'");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        table.put(rs.getString(1), rs.getString(2));
      }
    }
    Map<String, String> described = new LinkedHashMap<>();
    Stream.concat(CallColumns.COLUMNS.stream(), CallColumns.BATCH_COLUMNS.stream())
        .forEach(column -> described.put(column.name(), column.type()));

    assertThat(table).containsAllEntriesOf(described);
    assertThat(CallColumns.INSERT).containsExactlyElementsOf(described.keySet());
  }
}
