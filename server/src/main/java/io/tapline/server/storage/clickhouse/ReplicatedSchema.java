package io.tapline.server.storage.clickhouse;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The schema's statements for a replicated cluster ({@link Cluster#replicated}): the same files,
 * with each {@code *MergeTree} engine made its {@code Replicated*MergeTree} and each DDL statement
 * run {@code ON CLUSTER}.
 *
 * <ul>
 *   <li>Call tables ({@link #CALLS}) are replicated within their shard: Keeper path {@code
 *       /clickhouse/tables/{shard}/{database}/{table}}, replica {@code {replica}}.
 *   <li>Every other table ({@link #EVERY_NODE}) is replicated across all nodes: path {@code
 *       /clickhouse/tables/all/{database}/{table}}, replica {@code {shard}-{replica}} (a replica's
 *       name is unique within its shard only).
 * </ul>
 *
 * <p>{@code {database}} and {@code {table}} are expanded by ClickHouse; {@code {shard}} and {@code
 * {replica}} are the nodes' macros. The deduplication window of tables written to with tokens is
 * kept as the replicated one ({@code replicated_deduplication_window}), which Keeper holds for all
 * replicas: a token sent again to another replica is still recognised.
 */
final class ReplicatedSchema {

  /** Where a table's replicas are: within a shard, or on every node. */
  enum Scope {
    CALLS("/clickhouse/tables/{shard}/{database}/{table}", "{replica}"),
    EVERY_NODE("/clickhouse/tables/all/{database}/{table}", "{shard}-{replica}");

    final String path;
    final String replica;

    Scope(String path, String replica) {
      this.path = path;
      this.replica = replica;
    }
  }

  /** A DDL statement's first words up to its object's name, which ON CLUSTER follows. */
  private static final Pattern DDL =
      Pattern.compile(
          "^(CREATE\\s+(OR\\s+REPLACE\\s+)?(TABLE|MATERIALIZED\\s+VIEW|VIEW|DATABASE)"
              + "(\\s+IF\\s+NOT\\s+EXISTS)?"
              + "|ALTER\\s+TABLE"
              + "|DROP\\s+(TABLE|VIEW|DATABASE)(\\s+IF\\s+EXISTS)?"
              + "|TRUNCATE\\s+TABLE(\\s+IF\\s+EXISTS)?)"
              + "\\s+[`\\w.]+",
          Pattern.CASE_INSENSITIVE);

  /** An engine of the MergeTree family and its arguments, if any. */
  private static final Pattern ENGINE =
      Pattern.compile(
          "ENGINE\\s*=\\s*(\\w*)MergeTree(\\s*\\(([^)]*)\\))?", Pattern.CASE_INSENSITIVE);

  private static final Pattern WINDOW =
      Pattern.compile("\\bnon_replicated_deduplication_window\\b", Pattern.CASE_INSENSITIVE);

  private ReplicatedSchema() {}

  /**
   * {@code statement} for a replicated cluster: replicated engines for {@code scope}, and {@code ON
   * CLUSTER} after the name of what a DDL statement makes, changes or drops. Other statements
   * (INSERT, SELECT) are returned as they are: they run on one replica of each shard.
   */
  static String rewrite(String statement, String cluster, Scope scope) {
    String sql = statement.strip();
    Matcher ddl = DDL.matcher(sql);
    if (!ddl.find()) {
      return sql;
    }
    sql = ddl.group() + " ON CLUSTER '" + cluster + "'" + sql.substring(ddl.end());
    Matcher engine = ENGINE.matcher(sql);
    if (engine.find()) {
      String arguments = engine.group(3) == null ? "" : engine.group(3).strip();
      String replicated =
          "ENGINE = Replicated"
              + engine.group(1)
              + "MergeTree('"
              + scope.path
              + "', '"
              + scope.replica
              + "'"
              + (arguments.isEmpty() ? "" : ", " + arguments)
              + ")";
      sql = sql.substring(0, engine.start()) + replicated + sql.substring(engine.end());
    }
    return WINDOW.matcher(sql).replaceAll("replicated_deduplication_window");
  }

  /** Whether {@code statement} is DDL, which runs once for the whole cluster. */
  static boolean isDdl(String statement) {
    return DDL.matcher(statement.strip()).find();
  }
}
