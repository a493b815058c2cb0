package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.RetryLaterException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the numbered SQL files of the {@code clickhouse-schema} module that the database has not
 * seen yet, in order, and records each in {@code schema_migrations} with its checksum. Migrations
 * are forward-only: a recorded migration whose file changed stops the start. Statements are
 * idempotent ({@code IF NOT EXISTS}), so replicas starting together are safe.
 */
final class SchemaMigrator {

  private static final Logger logger = LoggerFactory.getLogger(SchemaMigrator.class);
  static final String RESOURCE_DIR = "/tapline/schema/";

  private final DataSource dataSource;

  SchemaMigrator(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** A migration file: its number, its name and its statements. */
  record Migration(int version, String name, String sql) {

    List<String> statements() {
      List<String> statements = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String line : sql.split("\n")) {
        if (line.strip().startsWith("--")) {
          continue;
        }
        current.append(line).append('\n');
        if (line.strip().endsWith(";")) {
          statements.add(current.toString().strip().replaceAll(";$", ""));
          current.setLength(0);
        }
      }
      if (!current.toString().isBlank()) {
        statements.add(current.toString().strip());
      }
      return statements;
    }

    String checksum() {
      try {
        byte[] digest =
            MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
      } catch (NoSuchAlgorithmException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** The migrations listed in the schema module's index, in order. */
  static List<Migration> available() {
    List<Migration> migrations = new ArrayList<>();
    for (String name : resource("index.txt").split("\n")) {
      name = name.strip();
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      int version = Integer.parseInt(name.substring(0, name.indexOf('_')));
      migrations.add(new Migration(version, name, resource(name)));
    }
    return migrations;
  }

  void migrate() {
    try (Connection connection = dataSource.getConnection();
        Statement statement = Statements.create(connection)) {
      statement.execute(
          new Migration(0, "schema_migrations.sql", resource("schema_migrations.sql"))
              .statements()
              .getFirst());
      Map<Integer, String> applied = new HashMap<>();
      try (ResultSet rs =
          statement.executeQuery("SELECT version, checksum FROM schema_migrations FINAL")) {
        while (rs.next()) {
          applied.put(rs.getInt(1), rs.getString(2));
        }
      }
      for (Migration migration : available()) {
        String recorded = applied.get(migration.version());
        if (recorded != null) {
          if (!recorded.equals(migration.checksum())) {
            throw new IllegalStateException(
                "Schema migration "
                    + migration.name()
                    + " changed after it was applied; "
                    + "migrations are forward-only: add a new numbered file instead");
          }
          continue;
        }
        logger.info("Applying schema migration {}", migration.name());
        for (String sql : migration.statements()) {
          statement.execute(sql);
        }
        try (PreparedStatement record =
            Statements.prepare(
                connection,
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)")) {
          record.setInt(1, migration.version());
          record.setString(2, migration.name());
          record.setString(3, migration.checksum());
          record.executeUpdate();
        }
      }
    } catch (SQLException e) {
      throw RetryLaterException.unavailable("Schema migration failed: " + e.getMessage(), e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = SchemaMigrator.class.getResourceAsStream(RESOURCE_DIR + name)) {
      if (in == null) {
        throw new IllegalStateException("Schema file " + RESOURCE_DIR + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read schema file " + name, e);
    }
  }
}
