package io.tapline.server.storage.clickhouse;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.tapline.server.storage.StorageUnavailableException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.Properties;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse store's lifecycle: creates the database, applies the schema migrations, owns the
 * connection pool, and answers health checks. The same code serves the embedded engine and an
 * external server: both speak ClickHouse's HTTP interface to the JDBC driver.
 */
public final class ClickHouseStorage implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(ClickHouseStorage.class);
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  /** How long a caller waits for a pooled connection before the store counts as down: {@value} ms. */
  static final long DEFAULT_CONNECTION_TIMEOUT_MILLIS = 5_000;

  private final HikariDataSource dataSource;
  private final String database;

  private ClickHouseStorage(HikariDataSource dataSource, String database) {
    this.dataSource = dataSource;
    this.database = database;
  }

  /**
   * Connects, creates {@code database} when missing and brings its schema up to date.
   *
   * @param serverUrl JDBC URL of the server, without a database ({@code jdbc:clickhouse://host:port})
   */
  public static ClickHouseStorage open(
      String serverUrl, String user, String password, String database, int poolSize) {
    return open(serverUrl, user, password, database, poolSize, null);
  }

  /** As {@link #open(String, String, String, String, int)}, reporting pool metrics to {@code meters}. */
  public static ClickHouseStorage open(
      String serverUrl,
      String user,
      String password,
      String database,
      int poolSize,
      MeterRegistry meters) {
    if (!IDENTIFIER.matcher(database).matches()) {
      throw new IllegalArgumentException("Invalid database name: " + database);
    }
    String base = serverUrl.endsWith("/") ? serverUrl.substring(0, serverUrl.length() - 1) : serverUrl;
    Properties credentials = new Properties();
    credentials.setProperty("user", user);
    credentials.setProperty("password", password);
    try (Connection connection = DriverManager.getConnection(base, credentials);
        Statement statement = Statements.create(connection)) {
      statement.execute("CREATE DATABASE IF NOT EXISTS `" + database + "`");
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "Cannot reach ClickHouse at " + base + ": " + e.getMessage(), e);
    }

    HikariConfig config = new HikariConfig();
    config.setPoolName("clickhouse");
    config.setDriverClassName("com.clickhouse.jdbc.Driver");
    config.setJdbcUrl(base + "/" + database);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(DEFAULT_CONNECTION_TIMEOUT_MILLIS);
    config.setInitializationFailTimeout(-1);
    if (meters != null) {
      config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
    }
    ClickHouseStorage storage = new ClickHouseStorage(new HikariDataSource(config), database);
    try {
      new SchemaMigrator(storage.dataSource).migrate();
    } catch (RuntimeException e) {
      storage.close();
      throw e;
    }
    logger.info("ClickHouse schema up to date in database {} at {}", database, base);
    return storage;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public String database() {
    return database;
  }

  /** True when ClickHouse answers a trivial query. */
  public boolean isHealthy() {
    try (Connection connection = dataSource.getConnection();
        Statement statement = Statements.create(connection)) {
      statement.execute("SELECT 1");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    dataSource.close();
  }

  /**
   * Turns a driver error into ours: failures to reach the server become {@link
   * StorageUnavailableException} (retryable); errors ClickHouse itself reported stay internal.
   */
  static RuntimeException translate(String what, SQLException e) {
    boolean reportedByServer = e.getCause() instanceof com.clickhouse.client.api.ServerException;
    if (e instanceof SQLTransientException || (e.getErrorCode() == 0 && !reportedByServer)) {
      return new StorageUnavailableException("ClickHouse is unavailable (" + what + ")", e);
    }
    return new IllegalStateException("ClickHouse refused " + what + ": " + e.getMessage(), e);
  }
}
