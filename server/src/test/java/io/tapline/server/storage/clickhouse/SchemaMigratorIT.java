package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class SchemaMigratorIT {

  @Test
  void migrationsApplyOnceAndAreRecorded() throws Exception {
    String database = SharedClickHouse.newDatabase(SchemaMigratorIT.class);
    String url = SharedClickHouse.engine().jdbcUrl();
    ClickHouseStorage.open(
            url,
            SharedClickHouse.engine().user(),
            SharedClickHouse.engine().password(),
            database,
            1)
        .close();
    try (ClickHouseStorage again =
            ClickHouseStorage.open(
                url,
                SharedClickHouse.engine().user(),
                SharedClickHouse.engine().password(),
                database,
                1);
        Connection connection = again.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery("SELECT count(), uniqExact(version) FROM schema_migrations")) {
      rs.next();
      int expected = SchemaMigrator.available().size();
      assertThat(expected).isPositive();
      assertThat(rs.getInt(1)).isEqualTo(expected);
      assertThat(rs.getInt(2)).isEqualTo(expected);
    }
  }
}
