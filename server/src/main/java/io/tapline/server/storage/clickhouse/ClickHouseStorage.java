package io.tapline.server.storage.clickhouse;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.storage.QueryLimitException;
import io.tapline.server.storage.RetryLaterException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse store's lifecycle: creates the database, applies the schema migrations, owns the
 * connection pools, and answers health checks. The same code serves the embedded engine and an
 * external server: both speak ClickHouse's HTTP interface to the JDBC driver.
 *
 * <p><b>Three pools</b>, so that no kind of work can starve another of connections:
 *
 * <ul>
 *   <li>{@link #queryPool()}: the reads clients ask for (searches, analytics). Every query there
 *       has a server-side time and memory limit ({@code max_execution_time}, {@code
 *       max_memory_usage}) and a client-side timeout a little longer;
 *   <li>{@link #dataSource()}: Tapline's own work, small and frequent (API key look-ups, service
 *       settings, alert rules and events), with a shorter time limit;
 *   <li>{@link #ingestPool()}: the group commit's inserts and retry look-ups, which set their own
 *       timeouts ({@code ingest.commit-timeout}).
 * </ul>
 */
public final class ClickHouseStorage implements AutoCloseable {

  private static final org.slf4j.Logger logger = LoggerFactory.getLogger(ClickHouseStorage.class);

  /**
   * How long a caller waits for a pooled connection before the store counts as down: {@value} ms.
   */
  static final long DEFAULT_CONNECTION_TIMEOUT_MILLIS = 5_000;

  /** Time limit of Tapline's own queries (metadata, auth, alert state): {@value} s. */
  static final int INTERNAL_TIMEOUT_SECONDS = 10;

  /** How much longer than the server's time limit the client waits for an answer: {@value} s. */
  static final int CLIENT_TIMEOUT_MARGIN_SECONDS = 5;

  /** How long the client waits for an answer to one of Tapline's own queries: {@value} ms. */
  static final int INTERNAL_WAIT_MILLIS =
      (INTERNAL_TIMEOUT_SECONDS + CLIENT_TIMEOUT_MARGIN_SECONDS) * 1000;

  /** The failures after which the driver tries a read again: none the server answered. */
  static final String RETRY_ON = "NoHttpResponse,ConnectTimeout,ConnectionRequestTimeout";

  /** How long a health check may take: {@value} ms. */
  static final int HEALTH_TIMEOUT_MILLIS = 2_000;

  /**
   * Sizes and limits of the pools.
   *
   * @param queryPoolSize connections for client queries
   * @param internalPoolSize connections for Tapline's own look-ups
   * @param ingestPoolSize connections for inserts
   * @param queryTimeout the server-side time limit of a client query
   * @param queryMaxMemoryBytes the server-side memory limit of a client query
   * @param queryNice the scheduling priority (nice, 0 to 19) of a client query's threads in the
   *     engine: above 0, ingest and merges go first when the CPU is short
   * @param queryMaxThreads the engine threads one client query may use; 0 for the engine's own
   *     choice (all cores)
   * @param exportTimeout the server-side time limit of an export, which is otherwise a client query
   *     like the others
   */
  public record Settings(
      int queryPoolSize,
      int internalPoolSize,
      int ingestPoolSize,
      Duration queryTimeout,
      long queryMaxMemoryBytes,
      int queryNice,
      int queryMaxThreads,
      Duration exportTimeout) {

    /** Defaults for tests and tools: {@code poolSize} connections for queries. */
    public static Settings of(int poolSize) {
      return new Settings(poolSize, 2, 2, Duration.ofSeconds(60), 0, 0, 0, Duration.ofHours(1));
    }
  }

  /**
   * How {@code ON CLUSTER} DDL is waited for: 30 s for the nodes that answer; a node down runs it
   * from ClickHouse's queue when it is back, and an error on a node that ran it fails the
   * statement.
   */
  private static final Properties DDL_ON_CLUSTER = new Properties();

  /** How long a migration's statement may go without an answer: a day (backfills are long). */
  private static final long MIGRATION_WAIT_MILLIS = 24 * 3_600_000L;

  static {
    DDL_ON_CLUSTER.setProperty("clickhouse_setting_distributed_ddl_task_timeout", "30");
    DDL_ON_CLUSTER.setProperty(
        "clickhouse_setting_distributed_ddl_output_mode", "null_status_on_timeout");
  }

  private final HikariDataSource queries;
  private final HikariDataSource internal;
  private final HikariDataSource ingest;
  private final HikariDataSource exports;
  private final DataSource queryPool;
  private final DataSource internalPool;
  private final String database;
  private final Cluster cluster;
  private final List<List<HikariDataSource>> shardPools;

  private ClickHouseStorage(
      HikariDataSource queries,
      HikariDataSource internal,
      HikariDataSource ingest,
      HikariDataSource exports,
      int queryWaitMillis,
      String database,
      Cluster cluster,
      List<List<HikariDataSource>> shardPools) {
    this.queries = queries;
    this.internal = internal;
    this.ingest = ingest;
    this.exports = exports;
    this.queryPool = new TimedDataSource(queries, queryWaitMillis);
    this.internalPool = new TimedDataSource(internal, INTERNAL_WAIT_MILLIS);
    this.database = database;
    this.cluster = cluster;
    this.shardPools = shardPools;
  }

  /**
   * Connects, creates {@code database} when missing and brings its schema up to date.
   *
   * @param serverUrl JDBC URL of the server, without a database ({@code
   *     jdbc:clickhouse://host:port})
   */
  public static ClickHouseStorage open(
      String serverUrl, String user, String password, String database, int poolSize) {
    return open(serverUrl, user, password, database, Settings.of(poolSize), null);
  }

  /**
   * As {@link #open(String, String, String, String, int)}, reporting pool metrics to {@code
   * meters}.
   */
  public static ClickHouseStorage open(
      String serverUrl,
      String user,
      String password,
      String database,
      Settings settings,
      MeterRegistry meters) {
    return open(serverUrl, user, password, database, settings, meters, Cluster.NONE);
  }

  /**
   * As {@link #open(String, String, String, String, Settings, MeterRegistry)}, storing calls in
   * {@code cluster}'s shards (see {@link Cluster}) unless it is {@link Cluster#NONE}.
   */
  public static ClickHouseStorage open(
      String serverUrl,
      String user,
      String password,
      String database,
      Settings settings,
      MeterRegistry meters,
      Cluster cluster) {
    if (!TaplineConfig.ClickHouse.DATABASE_NAME.matcher(database).matches()) {
      throw new IllegalArgumentException("Invalid database name: " + database);
    }
    String base = withoutSlash(serverUrl);
    String localDatabase = Cluster.localDatabase(database);
    if (cluster.replicated()) {
      // Both databases on every node, by one statement each that ClickHouse queues for all.
      createDatabase(base, user, password, database, cluster);
      createDatabase(base, user, password, localDatabase, cluster);
    } else {
      createDatabase(base, user, password, database, Cluster.NONE);
      for (List<String> replicas : cluster.shards()) {
        for (String replica : replicas) {
          createDatabase(withoutSlash(replica), user, password, localDatabase, Cluster.NONE);
        }
      }
    }

    Properties limits = new Properties();
    limits.setProperty(
        "clickhouse_setting_max_execution_time",
        Long.toString(settings.queryTimeout().toSeconds()));
    if (settings.queryMaxThreads() > 0) {
      limits.setProperty(
          "clickhouse_setting_max_threads", Integer.toString(settings.queryMaxThreads()));
    }
    if (settings.queryNice() > 0) {
      limits.setProperty(
          "clickhouse_setting_os_thread_priority", Integer.toString(settings.queryNice()));
    }
    if (settings.queryMaxMemoryBytes() > 0) {
      limits.setProperty(
          "clickhouse_setting_max_memory_usage", Long.toString(settings.queryMaxMemoryBytes()));
    }
    Properties internalLimits = new Properties();
    internalLimits.setProperty(
        "clickhouse_setting_max_execution_time", Integer.toString(INTERNAL_TIMEOUT_SECONDS));
    String url = base + "/" + database;
    // The client's own requests (the pool's validation pings) wait at most as long as the pool's
    // statements; without a socket timeout they waited forever on an engine that stopped.
    int queryWait =
        (int) settings.queryTimeout().plusSeconds(CLIENT_TIMEOUT_MARGIN_SECONDS).toMillis();
    limits.setProperty("socket_timeout", Integer.toString(queryWait));
    internalLimits.setProperty("socket_timeout", Integer.toString(INTERNAL_WAIT_MILLIS));
    // The driver retries by default what the server calls retryable, time and memory limits
    // included: a query stopped at its time limit ran four times. Reads are retried only when no
    // answer came at all.
    limits.setProperty("client_retry_on_failures", RETRY_ON);
    internalLimits.setProperty("client_retry_on_failures", RETRY_ON);
    if (cluster.isSet()) {
      // An INSERT through a Distributed table (a tool's, a test's: Tapline writes to the shards)
      // returns once the shards stored it, not once it was queued.
      limits.setProperty("clickhouse_setting_distributed_foreground_insert", "1");
      internalLimits.setProperty("clickhouse_setting_distributed_foreground_insert", "1");
    }
    Properties ingestLimits = new Properties();
    ingestLimits.setProperty("socket_timeout", Integer.toString(INTERNAL_WAIT_MILLIS));
    HikariDataSource queries =
        pool("clickhouse-queries", url, user, password, settings.queryPoolSize(), limits, meters);
    // Exports: the limits of client queries but their own time limit. The pool's setting is the
    // one ClickHouse applies (a query's own max_execution_time does not replace it).
    Properties exportLimits = new Properties();
    exportLimits.putAll(limits);
    exportLimits.setProperty(
        "clickhouse_setting_max_execution_time",
        Long.toString(settings.exportTimeout().toSeconds()));
    exportLimits.setProperty(
        "socket_timeout",
        Long.toString(
            settings.exportTimeout().plusSeconds(CLIENT_TIMEOUT_MARGIN_SECONDS).toMillis()));
    HikariDataSource exports =
        pool(
            "clickhouse-exports",
            url,
            user,
            password,
            settings.queryPoolSize(),
            exportLimits,
            meters);
    HikariDataSource internal =
        pool(
            "clickhouse-internal",
            url,
            user,
            password,
            settings.internalPoolSize(),
            internalLimits,
            meters);
    HikariDataSource ingest =
        pool(
            "clickhouse-ingest",
            url,
            user,
            password,
            settings.ingestPoolSize(),
            ingestLimits,
            meters);
    // In a cluster, each replica's call tables have a pool of their own for the inserts of its
    // shard.
    List<List<HikariDataSource>> shardPools =
        replicaPools(
            "clickhouse-ingest",
            cluster,
            localDatabase,
            user,
            password,
            settings.ingestPoolSize(),
            ingestLimits,
            meters);
    ClickHouseStorage storage =
        new ClickHouseStorage(
            queries,
            internal,
            ingest,
            exports,
            queryWait,
            database,
            cluster,
            List.copyOf(shardPools));
    // Migrations run through connections of their own, without a time limit: a backfill over
    // the calls of a large table takes minutes, past the limits of Tapline's own statements.
    Properties migrationLimits = new Properties();
    migrationLimits.setProperty("clickhouse_setting_max_execution_time", "0");
    migrationLimits.setProperty("socket_timeout", Long.toString(MIGRATION_WAIT_MILLIS));
    if (cluster.replicated()) {
      migrationLimits.putAll(DDL_ON_CLUSTER);
    }
    HikariDataSource entry =
        pool("clickhouse-migrations", url, user, password, 1, migrationLimits, null);
    List<List<HikariDataSource>> nodes =
        replicaPools(
            "clickhouse-migrations",
            cluster,
            localDatabase,
            user,
            password,
            1,
            migrationLimits,
            null);
    try {
      new SchemaMigrator(entry, cluster, nodes.stream().map(List::<DataSource>copyOf).toList())
          .migrate();
    } catch (RuntimeException e) {
      storage.close();
      throw e;
    } finally {
      entry.close();
      nodes.forEach(replicas -> replicas.forEach(HikariDataSource::close));
    }
    logger.info("ClickHouse schema up to date in database {} at {}", database, base);
    return storage;
  }

  /** A pool for each replica of {@code cluster}, on its own call tables ({@code localDatabase}). */
  private static List<List<HikariDataSource>> replicaPools(
      String name,
      Cluster cluster,
      String localDatabase,
      String user,
      String password,
      int size,
      Properties settings,
      MeterRegistry meters) {
    List<List<HikariDataSource>> pools = new ArrayList<>();
    for (int s = 0; s < cluster.shards().size(); s++) {
      List<HikariDataSource> replicas = new ArrayList<>();
      for (int r = 0; r < cluster.shards().get(s).size(); r++) {
        replicas.add(
            pool(
                name + "-s" + (s + 1) + "r" + (r + 1),
                withoutSlash(cluster.shards().get(s).get(r)) + "/" + localDatabase,
                user,
                password,
                size,
                settings,
                meters));
      }
      pools.add(List.copyOf(replicas));
    }
    return pools;
  }

  private static String withoutSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /**
   * Creates {@code database} on the server of {@code url}, or on every node of a replicated one.
   */
  private static void createDatabase(
      String url, String user, String password, String database, Cluster cluster) {
    Properties credentials = new Properties();
    credentials.setProperty("user", user);
    credentials.setProperty("password", password);
    if (cluster.replicated()) {
      credentials.putAll(DDL_ON_CLUSTER);
    }
    try (Connection connection = DriverManager.getConnection(url, credentials);
        Statement statement = Statements.create(connection)) {
      statement.execute(
          "CREATE DATABASE IF NOT EXISTS `"
              + database
              + "`"
              + (cluster.replicated() ? " ON CLUSTER '" + cluster.name() + "'" : ""));
    } catch (SQLException e) {
      throw RetryLaterException.unavailable(
          "Cannot reach ClickHouse at " + url + ": " + e.getMessage(), e);
    }
  }

  private static HikariDataSource pool(
      String name,
      String url,
      String user,
      String password,
      int size,
      Properties settings,
      MeterRegistry meters) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setDriverClassName("com.clickhouse.jdbc.Driver");
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(DEFAULT_CONNECTION_TIMEOUT_MILLIS);
    config.setInitializationFailTimeout(-1);
    config.setDataSourceProperties(settings);
    if (meters != null) {
      config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
    }
    return new HikariDataSource(config);
  }

  /** Tapline's own look-ups and writes of metadata, alert state and replays. */
  public DataSource dataSource() {
    return internalPool;
  }

  /** Client queries: searches and analytics, with their time and memory limits. */
  public DataSource queryPool() {
    return queryPool;
  }

  /** Exports: client queries with the export time limit ({@link Settings#exportTimeout}). */
  public DataSource exportPool() {
    return exports;
  }

  /** Inserts of calls and the look-ups of retried batches. */
  public DataSource ingestPool() {
    return ingest;
  }

  public String database() {
    return database;
  }

  /** The cluster calls are stored in, or {@link Cluster#NONE}. */
  public Cluster cluster() {
    return cluster;
  }

  /**
   * In a cluster, each shard's replicas' pools on their own call tables ({@link
   * Cluster#localDatabase}), for inserts; empty on one server.
   */
  public List<List<DataSource>> shardPools() {
    return shardPools.stream().map(List::<DataSource>copyOf).toList();
  }

  /** Every replica's pool of {@link #shardPools()}, shard by shard; empty on one server. */
  public List<DataSource> nodePools() {
    return shardPools.stream().flatMap(List::stream).map(DataSource.class::cast).toList();
  }

  /**
   * True when ClickHouse answers a trivial query within {@value #HEALTH_TIMEOUT_MILLIS} ms. The
   * check runs on a thread of its own and is waited for that long at most: the pool may first
   * validate its connection, which the driver does without a time limit of its own. While a check
   * is still stuck, the store counts as unhealthy.
   */
  public boolean isHealthy() {
    Future<Boolean> check;
    synchronized (this) {
      if (healthCheck != null && !healthCheck.isDone()) {
        return false;
      }
      try {
        check = healthChecks.submit(() -> answersTrivialQuery(internal));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return false; // closed
      }
      healthCheck = check;
    }
    try {
      return check.get(HEALTH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean answersTrivialQuery(HikariDataSource pool) {
    try (Connection connection = pool.getConnection()) {
      connection.setNetworkTimeout(Runnable::run, HEALTH_TIMEOUT_MILLIS);
      try (Statement statement = Statements.create(connection)) {
        statement.execute("SELECT 1");
        return true;
      }
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The nodes of the cluster that do not answer a trivial query within {@value
   * #HEALTH_TIMEOUT_MILLIS} ms, as "shard S replica R"; empty on one server. Ingest of a shard
   * whose replicas are not all here is refused; reads of a shard go on while one replica answers.
   */
  public List<String> unreachableNodes() {
    List<String> unreachable = new ArrayList<>();
    for (int s = 0; s < shardPools.size(); s++) {
      for (int r = 0; r < shardPools.get(s).size(); r++) {
        if (!answersTrivialQuery(shardPools.get(s).get(r))) {
          unreachable.add("shard " + (s + 1) + " replica " + (r + 1));
        }
      }
    }
    return unreachable;
  }

  private final ExecutorService healthChecks =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("tapline-store-health").daemon().factory());
  private Future<Boolean> healthCheck; // guarded by this

  @Override
  public void close() {
    healthChecks.shutdownNow();
    queries.close();
    internal.close();
    ingest.close();
    exports.close();
    shardPools.forEach(replicas -> replicas.forEach(HikariDataSource::close));
  }

  /**
   * Turns a driver error into ours: failures to reach the server become {@link RetryLaterException}
   * (retryable); errors ClickHouse itself reported stay internal.
   */
  static RuntimeException translate(String what, SQLException e) {
    switch (serverCode(e)) {
      case 159 -> {
        return new QueryLimitException(
            QueryLimitException.Kind.TIME,
            "the query ran longer than its time limit (query.timeout); narrow its time range or"
                + " filters",
            e);
      }
      case 241 -> {
        return new QueryLimitException(
            QueryLimitException.Kind.MEMORY,
            "the query needed more memory than its limit (query.max-memory-bytes); narrow its"
                + " time range or filters, or group by fewer values",
            e);
      }
      case 394 -> {
        return new QueryLimitException(
            QueryLimitException.Kind.CANCELLED, "the query was cancelled: its client went away", e);
      }
      // SOCKET_TIMEOUT, NETWORK_ERROR, ALL_CONNECTION_TRIES_FAILED: a node of the cluster the
      // query needed did not answer (every replica of a shard, for a Distributed table).
      case 209, 210, 279 -> {
        return RetryLaterException.unavailable(
            "a ClickHouse node that " + what + " needs is unreachable", e);
      }
      default -> {}
    }
    boolean reportedByServer = e.getCause() instanceof com.clickhouse.client.api.ServerException;
    if (e instanceof SQLTransientException || (e.getErrorCode() == 0 && !reportedByServer)) {
      return RetryLaterException.unavailable("ClickHouse is unavailable (" + what + ")", e);
    }
    return new IllegalStateException("ClickHouse refused " + what + ": " + e.getMessage(), e);
  }

  /** The ClickHouse error code behind a driver error, or 0. */
  private static int serverCode(SQLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof com.clickhouse.client.api.ServerException server) {
        return server.getCode();
      }
    }
    return e.getErrorCode();
  }

  /**
   * A pool whose connections each wait at most {@code timeoutMillis} for an answer. The driver has
   * no such setting that survives the pool (HikariCP resets a connection's network timeout when it
   * makes one), so it is set on every connection handed out; the pool resets it when the connection
   * comes back.
   */
  private record TimedDataSource(HikariDataSource pool, int timeoutMillis) implements DataSource {

    @Override
    public Connection getConnection() throws SQLException {
      Connection connection = pool.getConnection();
      try {
        connection.setNetworkTimeout(Runnable::run, timeoutMillis);
        return connection;
      } catch (SQLException | RuntimeException e) {
        connection.close();
        throw e;
      }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException("the pool's credentials are fixed");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      return type.isInstance(pool) ? type.cast(pool) : pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
      return type.isInstance(pool) || pool.isWrapperFor(type);
    }
  }
}
