package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.storage.clickhouse.ReplicatedSchema.Scope;
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
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the numbered SQL files of the {@code clickhouse-schema} module that the database has not
 * seen yet, in order, and records each in {@code schema_migrations} with its checksum. Migrations
 * are forward-only: a recorded migration whose file changed stops the start. Statements are
 * idempotent ({@code IF NOT EXISTS}), so replicas starting together are safe.
 *
 * <p><b>In a cluster</b> ({@link Cluster}) the same files make two schemas. The statements on call
 * tables ({@code api_calls} and its rollups, all named {@code api_calls*}) run on every node, in
 * its {@linkplain Cluster#localDatabase own database}, which records them in a {@code
 * schema_migrations} of its own: a node added later, or one that was down, is brought up to date at
 * the next start. The other statements (metadata, alert state) run on the node Tapline reads
 * through, whose {@code schema_migrations} is the cluster's record. Then each call table gets a
 * {@code Distributed} table of the same name and columns there, made again whenever a migration
 * changed the columns: the queries read the same names on one server and on a cluster.
 *
 * <p><b>In a replicated cluster</b> ({@link Cluster#replicated}) a migration is applied once for
 * the whole cluster and recorded in a {@code schema_migrations} replicated to every node. Its DDL
 * runs {@code ON CLUSTER} ({@link ReplicatedSchema}): ClickHouse queues it for every node, a node
 * down included, and runs an ALTER of a replicated table on one replica of each shard. A backfill
 * INSERT runs on one live replica of each shard.
 */
final class SchemaMigrator {

  private static final Logger logger = LoggerFactory.getLogger(SchemaMigrator.class);
  static final String RESOURCE_DIR = "/tapline/schema/";

  /**
   * The first words of a statement on a call table: {@code CREATE TABLE api_calls...}, {@code DROP
   * VIEW IF EXISTS api_calls_5m_mv}, {@code INSERT INTO api_calls_counts_1h}...
   */
  private static final Pattern CALL_TABLE_STATEMENT =
      Pattern.compile(
          "^(CREATE|ALTER|DROP|TRUNCATE|INSERT\\s+INTO)\\s+((TABLE|MATERIALIZED\\s+VIEW|VIEW)\\s+)?"
              + "(IF\\s+(NOT\\s+)?EXISTS\\s+)?api_calls\\w*\\b",
          Pattern.CASE_INSENSITIVE);

  private final DataSource dataSource;
  private final Cluster cluster;
  private final List<List<DataSource>> shards;
  private final List<DataSource> nodes;

  /** Migrates one server's database. */
  SchemaMigrator(DataSource dataSource) {
    this(dataSource, Cluster.NONE, List.of());
  }

  /**
   * @param dataSource the database Tapline reads through
   * @param cluster the cluster calls are stored in, or {@link Cluster#NONE}
   * @param shards in a cluster, each shard's replicas' own databases
   */
  SchemaMigrator(DataSource dataSource, Cluster cluster, List<List<DataSource>> shards) {
    this.dataSource = dataSource;
    this.cluster = cluster;
    this.shards = shards.stream().map(List::copyOf).toList();
    this.nodes = this.shards.stream().flatMap(List::stream).toList();
  }

  /** Connections to the first node that gives one, in its own database. */
  private DataSource anyNode() {
    return new FirstLiveReplica(nodes);
  }

  /** How a migration's statement is run: where, and in what form. */
  @FunctionalInterface
  private interface Runner {
    void run(Statement target, String sql) throws SQLException;
  }

  /** True for a statement on a call table, which a cluster stores in every shard. */
  static boolean onCallTable(String statement) {
    return CALL_TABLE_STATEMENT.matcher(statement.strip()).find();
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
    if (!cluster.isSet()) {
      migrate(dataSource, sql -> sql, only(statement -> true));
      return;
    }
    if (cluster.replicated()) {
      migrate(
          dataSource,
          sql -> ReplicatedSchema.rewrite(sql, cluster.name(), Scope.EVERY_NODE),
          this::runReplicated);
    } else {
      for (DataSource node : nodes) {
        migrate(node, sql -> sql, only(SchemaMigrator::onCallTable));
      }
      migrate(dataSource, sql -> sql, only(statement -> !onCallTable(statement)));
    }
    distributeCallTables();
  }

  /** Runs, as they are, the statements {@code applies} accepts. */
  private static Runner only(Predicate<String> applies) {
    return (target, sql) -> {
      if (applies.test(sql)) {
        target.execute(sql);
      }
    };
  }

  /**
   * Runs a statement in a replicated cluster: DDL once, {@code ON CLUSTER}, with replicated engines
   * ({@link ReplicatedSchema}), from a node's own database for call tables; an INSERT into a call
   * table (a backfill) on one live replica of each shard, which Keeper copies to the others;
   * anything else on the node Tapline reads through.
   */
  private void runReplicated(Statement entry, String sql) throws SQLException {
    boolean calls = onCallTable(sql);
    if (ReplicatedSchema.isDdl(sql)) {
      String ddl =
          ReplicatedSchema.rewrite(sql, cluster.name(), calls ? Scope.CALLS : Scope.EVERY_NODE);
      if (!calls) {
        entry.execute(ddl);
        return;
      }
      try (Connection connection = anyNode().getConnection();
          Statement statement = Statements.create(connection)) {
        statement.execute(ddl);
      }
    } else if (calls) {
      for (List<DataSource> shard : shards) {
        try (Connection connection = new FirstLiveReplica(shard).getConnection();
            Statement statement = Statements.create(connection)) {
          statement.execute(sql);
        }
      }
    } else {
      entry.execute(sql);
    }
  }

  /**
   * Applies, in {@code target}, the statements of every new migration through {@code runner},
   * recorded in its {@code schema_migrations} (made by the statement {@code recordTable} gives).
   */
  private void migrate(DataSource target, UnaryOperator<String> recordTable, Runner runner) {
    try (Connection connection = target.getConnection();
        Statement statement = Statements.create(connection)) {
      statement.execute(
          recordTable.apply(
              new Migration(0, "schema_migrations.sql", resource("schema_migrations.sql"))
                  .statements()
                  .getFirst()));
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
          runner.run(statement, sql);
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

  /**
   * Gives each call table of the first node a {@code Distributed} table of the same name and
   * columns in the database Tapline reads through, made again when the columns differ. A table of
   * that name that is not {@code Distributed} (the database held calls of one server) stops the
   * start: its calls would be hidden.
   */
  private void distributeCallTables() {
    String local;
    Map<String, String> columns = new java.util.LinkedHashMap<>();
    List<String> tables = new ArrayList<>();
    try (Connection connection = anyNode().getConnection();
        Statement statement = Statements.create(connection)) {
      try (ResultSet rs = statement.executeQuery("SELECT currentDatabase()")) {
        rs.next();
        local = rs.getString(1);
      }
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT name FROM system.tables WHERE database = currentDatabase()"
                  + " AND startsWith(name, 'api_calls') AND engine != 'MaterializedView'"
                  + " ORDER BY name")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String table : tables) {
        columns.put(table, columnsOf(connection, table));
      }
    } catch (SQLException e) {
      throw RetryLaterException.unavailable("Schema migration failed: " + e.getMessage(), e);
    }
    try (Connection connection = dataSource.getConnection();
        Statement statement = Statements.create(connection)) {
      Map<String, String> engines = new HashMap<>();
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT name, engine FROM system.tables WHERE database = currentDatabase()")) {
        while (rs.next()) {
          engines.put(rs.getString(1), rs.getString(2));
        }
      }
      for (Map.Entry<String, String> table : columns.entrySet()) {
        String name = table.getKey();
        String engine = engines.get(name);
        if (engine != null && !engine.equals("Distributed")) {
          throw new IllegalStateException(
              "The database Tapline reads through holds a table "
                  + name
                  + " of one server ("
                  + engine
                  + "); a cluster needs a database of its own (clickhouse.database)");
        }
        if (engine != null && columnsOf(connection, name).equals(table.getValue())) {
          continue;
        }
        logger.info("Creating the Distributed table {} over cluster {}", name, cluster.name());
        statement.execute(
            "CREATE OR REPLACE TABLE `"
                + name
                + "`"
                + (cluster.replicated() ? " ON CLUSTER '" + cluster.name() + "'" : "")
                + " ("
                + table.getValue()
                + ") ENGINE = Distributed('"
                + cluster.name()
                + "', '"
                + local
                + "', '"
                + name
                + "', rand())");
      }
    } catch (SQLException e) {
      throw RetryLaterException.unavailable("Schema migration failed: " + e.getMessage(), e);
    }
  }

  /** A table's columns as a column list of CREATE TABLE: names, types and how they are filled. */
  private static String columnsOf(Connection connection, String table) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (PreparedStatement statement =
        Statements.prepare(
            connection,
            "SELECT name, type, default_kind, default_expression FROM system.columns"
                + " WHERE database = currentDatabase() AND table = ? ORDER BY position")) {
      statement.setString(1, table);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          String kind = rs.getString(3);
          columns.add(
              "`"
                  + rs.getString(1)
                  + "` "
                  + rs.getString(2)
                  + (kind == null || kind.isEmpty() ? "" : " " + kind + " " + rs.getString(4)));
        }
      }
    }
    return String.join(", ", columns);
  }

  static String resource(String name) {
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
