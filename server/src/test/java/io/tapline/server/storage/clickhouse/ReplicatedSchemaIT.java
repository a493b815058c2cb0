package io.tapline.server.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.storage.clickhouse.ReplicatedSchema.Scope;
import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The schema's statements as a replicated cluster runs them ({@link ReplicatedSchema}): every table
 * replicated with the paths of its scope, every DDL statement {@code ON CLUSTER}, and all of it SQL
 * that ClickHouse parses. The embedded engine cannot run replicated tables (no Keeper); {@code
 * ReplicatedClusterIT} runs them on containers where Docker exists.
 */
class ReplicatedSchemaIT {

  private static final Pattern PLAIN_ENGINE =
      Pattern.compile("ENGINE\\s*=\\s*(Replacing|Aggregating)?MergeTree", Pattern.CASE_INSENSITIVE);

  /** Every statement of every migration, the migrations' table first. */
  private static List<String> statements() {
    List<String> statements = new ArrayList<>();
    statements.add(
        new SchemaMigrator.Migration(
                0, "schema_migrations.sql", SchemaMigrator.resource("schema_migrations.sql"))
            .statements()
            .getFirst());
    for (SchemaMigrator.Migration migration : SchemaMigrator.available()) {
      statements.addAll(migration.statements());
    }
    return statements;
  }

  @Test
  void everyStatementIsReplicatedOnTheClusterAndParses() throws SQLException {
    int tables = 0;
    int ddl = 0;
    try (Connection connection =
            DriverManager.getConnection(
                SharedClickHouse.engine().jdbcUrl(),
                SharedClickHouse.engine().user(),
                SharedClickHouse.engine().password());
        PreparedStatement format = connection.prepareStatement("SELECT formatQuery(?)")) {
      for (String statement : statements()) {
        boolean calls = SchemaMigrator.onCallTable(statement);
        String sql =
            ReplicatedSchema.rewrite(statement, "tapline", calls ? Scope.CALLS : Scope.EVERY_NODE);
        format.setString(1, sql);
        String formatted;
        try (ResultSet rs = format.executeQuery()) {
          rs.next();
          formatted = rs.getString(1);
        }
        assertThat(PLAIN_ENGINE.matcher(formatted).find()).as("%s", formatted).isFalse();
        assertThat(formatted).doesNotContain("non_replicated_deduplication_window");
        if (!ReplicatedSchema.isDdl(statement)) {
          assertThat(sql).as("run as it is").isEqualTo(statement.strip());
          continue;
        }
        ddl++;
        assertThat(formatted).as("%s", formatted).contains("ON CLUSTER tapline");
        if (formatted.contains("ENGINE = Replicated")) {
          tables++;
          assertThat(formatted)
              .as("%s", formatted)
              .contains(
                  calls
                      ? "('/clickhouse/tables/{shard}/{database}/{table}', '{replica}'"
                      : "('/clickhouse/tables/all/{database}/{table}', '{shard}-{replica}'");
        }
      }
    }
    assertThat(tables).as("replicated tables made").isGreaterThan(15);
    assertThat(ddl).isGreaterThan(tables);
  }

  @Test
  void enginesKeepTheirArguments() {
    assertThat(
            ReplicatedSchema.rewrite(
                "CREATE TABLE IF NOT EXISTS services (id String, version UInt64)\n"
                    + "ENGINE = ReplacingMergeTree(version)\nORDER BY id",
                "c",
                Scope.EVERY_NODE))
        .isEqualTo(
            "CREATE TABLE IF NOT EXISTS services ON CLUSTER 'c' (id String, version UInt64)\n"
                + "ENGINE ="
                + " ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/{table}',"
                + " '{shard}-{replica}', version)\n"
                + "ORDER BY id");
    assertThat(
            ReplicatedSchema.rewrite(
                "ALTER TABLE api_calls MODIFY SETTING non_replicated_deduplication_window = 1000",
                "c",
                Scope.CALLS))
        .isEqualTo(
            "ALTER TABLE api_calls ON CLUSTER 'c' MODIFY SETTING replicated_deduplication_window"
                + " = 1000");
    assertThat(
            ReplicatedSchema.rewrite(
                "INSERT INTO api_calls_counts_1h SELECT * FROM api_calls", "c", Scope.CALLS))
        .isEqualTo("INSERT INTO api_calls_counts_1h SELECT * FROM api_calls");
  }
}
