package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.RetryLaterException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Connections to one replica of a shard whose tables ClickHouse replicates: the preferred replica,
 * or, when it gives none (down, unreachable), the next that does. A replica whose statement failed
 * ({@link #failed}) stops being preferred. A replicated shard takes each INSERT on any replica, and
 * Keeper holds its deduplication tokens for all of them, so an INSERT sent again with the same
 * token to another replica is stored once.
 */
final class FirstLiveReplica implements DataSource {

  private final List<DataSource> replicas;

  /** The replica tried first. */
  private final AtomicInteger preferred = new AtomicInteger();

  /** The replica of the connection last handed to this thread. */
  private final ThreadLocal<Integer> given = new ThreadLocal<>();

  FirstLiveReplica(List<DataSource> replicas) {
    if (replicas.isEmpty()) {
      throw new IllegalArgumentException("A shard needs a replica");
    }
    this.replicas = List.copyOf(replicas);
  }

  /** The index of the replica the next connection is asked of first. */
  int preferred() {
    return preferred.get();
  }

  /**
   * Called by a thread whose statement on the connection it was last given failed: the next
   * connection comes from the following replica, unless another thread moved on already.
   */
  void failed() {
    Integer replica = given.get();
    if (replica != null) {
      preferred.compareAndSet(replica, (replica + 1) % replicas.size());
    }
  }

  @Override
  public Connection getConnection() throws SQLException {
    int first = preferred.get();
    SQLException failure = null;
    for (int i = 0; i < replicas.size(); i++) {
      int replica = (first + i) % replicas.size();
      try {
        Connection connection = replicas.get(replica).getConnection();
        preferred.compareAndSet(first, replica);
        given.set(replica);
        return connection;
      } catch (SQLException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    throw failure;
  }

  /**
   * {@code writer}, writing through {@code replicas}, moving to the next replica when a commit
   * fails unavailable: the replica may have handed out a connection and still be down.
   */
  static GroupCommitter.RowWriter writer(
      FirstLiveReplica replicas, GroupCommitter.RowWriter writer) {
    return batches -> {
      try {
        return writer.insert(batches);
      } catch (RetryLaterException e) {
        replicas.failed();
        throw e;
      }
    };
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the pools' credentials are fixed");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return false;
  }
}
