package io.tapline.server.storage.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.ConnectionImpl;
import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.RetryLaterException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of calls as one INSERT in ClickHouse's RowBinary format.
 *
 * <p><b>Insert path.</b> The connection comes from the storage's ingest pool (same URL, credentials
 * and database as the other pools); the rows are streamed through the client underneath the JDBC
 * driver ({@code ConnectionImpl.getClient()}), in RowBinary, which we encode ourselves. For ~1 KB
 * rows this is well ahead of batched JDBC PreparedStatements and of the driver's beta RowBinary
 * writer. The beta writer would also have to be given the DateTime64 in a form that does not depend
 * on the JVM's time zone. Ingest is the one path where the difference decides throughput; every
 * other query stays on JDBC (figures in bench/README.md, "Figures behind the code").
 *
 * <p><b>Encoding.</b> {@link Rows} encodes each call's row as soon as the ingest pipeline has
 * validated and masked it, on the same thread (the call still in the CPU's caches, several batches
 * encoded in parallel); the single commit then only copies those bytes to the engine. Encoding at
 * commit time instead made the committing thread walk tens of megabytes of cold objects while the
 * engine waited, and cost more JVM CPU per record (figures in bench/README.md, "Figures behind the
 * code").
 *
 * <p><b>Retries.</b> For batches that may be retries, the rows already present with the same
 * (service, batch_id, id) are looked up first (one SELECT per commit, narrowed by the primary key
 * on service and timestamp and by a bloom filter on batch_id) and skipped. This is exact even when
 * an earlier INSERT was cut half-way (parts of some partitions committed, others not). The look-up
 * is cheap: the bloom filter leaves no granule to read, what remains is the index scan, and its
 * cost spread over a commit's records is a small share of the engine's time (figures in
 * bench/README.md, "Figures behind the code"). Two writers inserting the same batch at the same
 * moment (a retry sent to another replica while the first attempt is still in flight) can both pass
 * the lookup; within one server, the group committer lets only the first copy through.
 *
 * <p><b>Inserts without an answer.</b> Each INSERT carries a deduplication token of its own. When
 * no answer comes (a timeout: the engine is stopped or overloaded), the INSERT may still commit
 * later, after the look-up of a retry has missed it; so before anything else is written, the same
 * rows are sent again with the same token, and the engine stores them once whichever copy arrives
 * second (migration 0054). Every INSERT and look-up has a network timeout ({@code
 * ingest.commit-timeout}), so a stopped engine makes commits fail UNAVAILABLE in bounded time, and
 * nothing is stored twice when it comes back.
 */
public final class ClickHouseCallWriter implements GroupCommitter.RowWriter {

  private static final Logger logger = LoggerFactory.getLogger(ClickHouseCallWriter.class);

  static final String TABLE = "api_calls";

  /** ClickHouse error codes that mean "try again later" rather than "this insert is wrong". */
  private static final Set<Integer> TRANSIENT_CODES =
      Set.of(159, 164, 202, 209, 210, 241, 252, 394, 425, 999, 1000, 1002);

  private final DataSource dataSource;
  private final String database;
  private final Duration timeout;

  /**
   * The INSERT whose outcome is not known (no answer came), or null: it may still commit, so it is
   * sent again, same rows and same token, before anything else is written. Touched by the
   * committing threads under this object's monitor.
   */
  private Uncertain uncertain;

  private record Uncertain(String token, List<EncodedRows> batches) {}

  /**
   * @param timeout how long one INSERT or look-up may take before the store counts as unavailable
   */
  public ClickHouseCallWriter(DataSource dataSource, String database, Duration timeout) {
    this.dataSource = dataSource;
    this.database = database;
    this.timeout = timeout;
  }

  /**
   * Stores batches encoded by {@link Rows} in one commit and returns once it is committed. A call
   * already stored with the same service, batch id and call id is not stored again (for batches
   * marked {@link CallBatch#mayBeStored}), so a client may retry a batch it got no answer for.
   *
   * @return the batches as written, in the same order, each with only the calls this write stored
   *     (a retried batch's calls stored before are left out)
   * @throws RetryLaterException when the store cannot be reached; some calls may have been
   *     committed, and writing the same batches again stores the rest exactly once
   */
  @Override
  public List<CallBatch> insert(List<EncodedRows> batches) {
    if (batches.stream().allMatch(b -> b.rows() == 0)) {
      return batches.stream().map(EncodedRows::batch).toList();
    }
    try (Connection connection = dataSource.getConnection()) {
      Client client = connection.unwrap(ConnectionImpl.class).getClient();
      settle(client);
      Set<String> stored = alreadyStored(connection, batches);
      List<EncodedRows> toWrite = stored.isEmpty() ? batches : without(batches, stored);
      if (toWrite.stream().anyMatch(b -> b.rows() > 0)) {
        insert(client, UUID.randomUUID().toString(), toWrite);
      }
      return toWrite.stream().map(EncodedRows::batch).toList();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("insert of " + batches.size() + " batches", e);
    } catch (ExecutionException e) {
      throw translate("insert of " + batches.size() + " batches", e.getCause());
    } catch (TimeoutException e) {
      throw RetryLaterException.unavailable("ClickHouse did not answer the insert in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RetryLaterException.unavailable("Interrupted while inserting", e);
    } catch (RetryLaterException | IllegalStateException e) {
      throw e;
    } catch (Exception e) {
      throw translate("insert of " + batches.size() + " batches", e);
    }
  }

  /**
   * One INSERT of the batches' rows with deduplication token {@code token}, so that the same rows
   * sent again with the same token are stored once (migration 0054); the engine keeps the token
   * instead of hashing the rows. Each attempt has a query id of its own: the first may still be
   * running when the second is sent. When no answer comes, the INSERT becomes {@link #uncertain}.
   */
  private void insert(Client client, String token, List<EncodedRows> batches) throws Exception {
    InsertSettings settings =
        new InsertSettings()
            .setDatabase(database)
            .setQueryId(UUID.randomUUID().toString())
            .serverSetting("insert_deduplicate", "1")
            .serverSetting("insert_deduplication_token", token);
    settings.setNetworkTimeout(timeout.toMillis(), ChronoUnit.MILLIS);
    try {
      client
          .insert(
              TABLE,
              CallColumns.INSERT,
              out -> writeRows(out, batches),
              ClickHouseFormat.RowBinary,
              settings)
          .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)
          .close();
    } catch (Exception e) {
      if (isUnavailable(e)) {
        synchronized (this) {
          if (uncertain == null) {
            uncertain = new Uncertain(token, List.copyOf(batches));
          }
        }
      }
      throw e;
    }
  }

  /**
   * Sends the uncertain INSERT again, if there is one, before anything else: the engine stores its
   * rows once whether the first attempt committed, commits later, or never arrived. Throws what the
   * client throws while the engine does not answer; the caller translates it.
   */
  private void settle(Client client) throws Exception {
    Uncertain pending;
    synchronized (this) {
      pending = uncertain;
    }
    if (pending == null) {
      return;
    }
    insert(client, pending.token(), pending.batches());
    synchronized (this) {
      if (uncertain == pending) {
        uncertain = null;
      }
    }
    logger.info("An insert left without an answer was settled (token {})", pending.token());
  }

  /** True when the failure says the store did not answer, not that it refused the insert. */
  private static boolean isUnavailable(Throwable e) {
    return translate("insert", e instanceof ExecutionException ? e.getCause() : e)
        instanceof RetryLaterException;
  }

  /**
   * Keys (service, batch id, call id) of the calls of retryable batches that are stored already.
   */
  private Set<String> alreadyStored(Connection connection, List<EncodedRows> batches) {
    Set<String> services = new LinkedHashSet<>();
    Set<String> batchIds = new LinkedHashSet<>();
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    for (EncodedRows rows : batches) {
      CallBatch batch = rows.batch();
      if (!batch.mayBeStored() || batch.calls().isEmpty()) {
        continue;
      }
      batchIds.add(batch.batchId());
      for (CallRecord call : batch.calls()) {
        services.add(call.service());
        long micros = Micros.of(call.timestamp());
        from = Math.min(from, micros);
        to = Math.max(to, micros);
      }
    }
    if (batchIds.isEmpty()) {
      return Set.of();
    }
    List<Object> parameters = new ArrayList<>();
    StringBuilder sql =
        new StringBuilder("SELECT service, batch_id, id FROM ")
            .append(TABLE)
            .append(" WHERE timestamp >= ")
            .append(Where.TIME)
            .append(" AND timestamp <= ")
            .append(Where.TIME);
    parameters.add(from);
    parameters.add(to);
    appendIn(sql, parameters, "service", services);
    appendIn(sql, parameters, "batch_id", batchIds);
    Set<String> stored = new HashSet<>();
    try {
      connection.setNetworkTimeout(Runnable::run, (int) timeout.toMillis());
      try (PreparedStatement statement =
              Statements.prepare(connection, sql.toString(), parameters);
          ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          stored.add(key(rs.getString(1), rs.getString(2), rs.getString(3)));
        }
      }
    } catch (SQLException | RuntimeException e) {
      throw translate("look-up of stored batches", e);
    }
    return stored;
  }

  private static void appendIn(
      StringBuilder sql, List<Object> parameters, String column, Set<String> values) {
    sql.append(" AND ").append(column).append(" IN (");
    int i = 0;
    for (String value : values) {
      sql.append(i++ == 0 ? "?" : ", ?");
      parameters.add(value);
    }
    sql.append(')');
  }

  private static List<EncodedRows> without(List<EncodedRows> batches, Set<String> stored) {
    List<EncodedRows> out = new ArrayList<>(batches.size());
    for (EncodedRows rows : batches) {
      CallBatch batch = rows.batch();
      if (!batch.mayBeStored()) {
        out.add(rows);
        continue;
      }
      List<CallRecord> rest = new ArrayList<>(batch.calls().size());
      for (CallRecord call : batch.calls()) {
        if (!stored.contains(key(call.service(), batch.batchId(), call.id()))) {
          rest.add(call);
        }
      }
      // Encoded again from the remaining calls: a rare path (retries), kept simple.
      out.add(rest.size() == batch.calls().size() ? rows : encodeRows(batch.withCalls(rest)));
    }
    return out;
  }

  private static String key(String service, String batchId, String id) {
    return service + '\u0000' + batchId + '\u0000' + id;
  }

  /**
   * A batch with its rows in RowBinary, in chunks, ready to be sent.
   *
   * @param bytes the size of the chunks, the bulk of what the batch holds while it is queued
   */
  public record EncodedRows(CallBatch batch, List<byte[]> chunks, long bytes) {

    int rows() {
      return batch.calls().size();
    }
  }

  /** Encodes a whole batch's rows. */
  public static EncodedRows encodeRows(CallBatch batch) {
    Rows rows = new Rows(batch.batchId(), batch.mayBeStored());
    for (CallRecord call : batch.calls()) {
      rows.add(call, batch.retentionDaysOf(call.service()));
    }
    return rows.finish();
  }

  /**
   * A batch's rows, encoded call by call as they are added, so that its commit only copies bytes to
   * the engine: a public entry point for the record-path benchmark too.
   */
  public static final class Rows {

    private final String batchId;
    private final byte[] batchIdBytes;
    private final boolean mayBeStored;
    private final RowBinary out = new RowBinary();
    private final List<CallRecord> calls = new ArrayList<>();
    private final Map<String, Integer> retentionDays = new HashMap<>();

    public Rows(String batchId, boolean mayBeStored) {
      this.batchId = CallBatch.requireBatchId(batchId);
      this.batchIdBytes = batchId.getBytes(StandardCharsets.US_ASCII);
      this.mayBeStored = mayBeStored;
    }

    /** Encodes one call's row. */
    public void add(CallRecord call, int retention) {
      Integer known = retentionDays.putIfAbsent(call.service(), retention);
      if (known != null && known != retention) {
        throw new IllegalArgumentException("Two retentions for service " + call.service());
      }
      CallColumns.writeRow(out, call, batchIdBytes, retention);
      calls.add(call);
    }

    /** The batch and its encoded rows; the rows are no longer added to. */
    public EncodedRows finish() {
      List<byte[]> chunks = out.finish();
      long bytes = 0;
      for (byte[] chunk : chunks) {
        bytes += chunk.length;
      }
      return new EncodedRows(
          new CallBatch(batchId, calls, retentionDays, mayBeStored), chunks, bytes);
    }
  }

  private static void writeRows(OutputStream target, List<EncodedRows> batches) throws IOException {
    for (EncodedRows rows : batches) {
      for (byte[] chunk : rows.chunks()) {
        target.write(chunk);
      }
    }
    target.flush();
  }

  private static RuntimeException translate(String what, Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      // The client wraps what the server reported ("Failed to get query response").
      if (cause instanceof ServerException server && !TRANSIENT_CODES.contains(server.getCode())) {
        return new IllegalStateException(
            "ClickHouse refused " + what + ": " + server.getMessage(), e);
      }
    }
    if (e instanceof RetryLaterException unavailable) {
      return unavailable;
    }
    return RetryLaterException.unavailable("ClickHouse is unavailable (" + what + ")", e);
  }

  @Override
  public String toString() {
    return "ClickHouseCallWriter{" + database + "." + TABLE + ", RowBinary}";
  }
}
