package io.tapline.server.storage.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.ConnectionImpl;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallWriter;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.RetryLaterException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p><b>Insert path.</b> The connection comes from the same Hikari pool (same URL, credentials and
 * database) as every other query; the rows are streamed through the client underneath the JDBC
 * driver ({@code ConnectionImpl.getClient()}), in RowBinary, which we encode ourselves. Reference
 * figures for ~1 KB rows on a 2-core machine: batched JDBC PreparedStatement 28,000 rows/s, 48,000
 * with the driver's beta RowBinary writer, RowBinary through the client 78,700 rows/s. The beta
 * writer would also have to be given the DateTime64 in a form that does not depend on the JVM's
 * time zone, which the VALUES text path gets from {@code CallColumns.formatUtc}. Ingest is the one
 * path where the difference decides throughput; every other query stays on JDBC.
 *
 * <p><b>Encoding.</b> {@link #prepare} encodes a batch's rows when it arrives, on the thread that
 * validated and masked it (its records still in the CPU's cache, several batches encoded in
 * parallel); the single commit then only copies those bytes to the engine. Encoding at commit
 * time instead made the committing thread walk tens of megabytes of cold objects while the
 * engine waited (ingest benchmark: 17.5 instead of 26 µs of JVM CPU per record).
 *
 * <p><b>Retries.</b> For batches that may be retries, the rows already present with the same
 * (service, batch_id, id) are looked up first (one SELECT per commit, narrowed by the primary key
 * on service and timestamp and by a bloom filter on batch_id) and skipped. This is exact even when
 * an earlier INSERT was cut half-way (parts of some partitions committed, others not). Measured
 * cost: about 18 ms of engine CPU per look-up with 1.1 million rows inside the batches' time range
 * (the bloom filter leaves no granule to read; what remains is the index scan), so about 1 µs per
 * record at 20,000-row commits, a few per cent of the engine's share. Two writers inserting the
 * same batch at the same moment (a retry sent to another replica while the first attempt is still
 * in flight) can both pass the lookup; the ingest service prevents that within one server.
 *
 * <p><b>Inserts without an answer.</b> Each INSERT carries a deduplication token of its own.
 * When no answer comes (a timeout: the engine is stopped or overloaded), the INSERT may still
 * commit later, after the look-up of a retry has missed it; so before
 * anything else is written, the same rows are sent again with the same token, and the engine
 * stores them once whichever copy arrives second (migration 0054). Every INSERT and look-up has
 * a network timeout ({@code ingest.commit-timeout}), so a stopped engine makes commits fail
 * UNAVAILABLE in bounded time, and nothing is stored twice when it comes back.
 */
public final class ClickHouseCallWriter implements CallWriter {

  private static final Logger logger = LoggerFactory.getLogger(ClickHouseCallWriter.class);

  static final String TABLE = "api_calls";

  static final List<String> INSERT_COLUMNS;

  static {
    List<String> columns = new ArrayList<>();
    for (String column : CallColumns.LIST.split(",")) {
      columns.add(column.strip());
    }
    columns.add("batch_id");
    columns.add("retention_days");
    INSERT_COLUMNS = List.copyOf(columns);
  }

  /** How long one INSERT or look-up may take, when not configured: {@value} s. */
  static final long DEFAULT_TIMEOUT_SECONDS = 15;

  /** ClickHouse error codes that mean "try again later" rather than "this insert is wrong". */
  private static final Set<Integer> TRANSIENT_CODES =
      Set.of(159, 164, 202, 209, 210, 241, 252, 394, 425, 999, 1000, 1002);

  private final DataSource dataSource;
  private final String database;
  private final Duration timeout;

  /**
   * The INSERT whose outcome is not known (no answer came), or null: it may still commit, so it
   * is sent again, same rows and same token, before anything else is written. Touched by the
   * committing threads under this object's monitor.
   */
  private Uncertain uncertain;

  private record Uncertain(String token, List<Batch> batches) {}

  public ClickHouseCallWriter(DataSource dataSource, String database) {
    this(dataSource, database, Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS));
  }

  /**
   * @param timeout how long one INSERT or look-up may take before the store counts as unavailable
   */
  public ClickHouseCallWriter(DataSource dataSource, String database, Duration timeout) {
    this.dataSource = dataSource;
    this.database = database;
    this.timeout = timeout;
  }

  @Override
  public List<Batch> write(List<Batch> batches) {
    for (Batch batch : batches) {
      if (!BATCH_ID.matcher(batch.batchId()).matches()) {
        throw new IllegalArgumentException("Invalid batch id: " + batch.batchId());
      }
    }
    if (batches.stream().allMatch(b -> b.calls().isEmpty())) {
      return batches;
    }
    try (Connection connection = dataSource.getConnection()) {
      Client client = connection.unwrap(ConnectionImpl.class).getClient();
      settle(client);
      Set<String> stored = alreadyStored(client, batches);
      List<Batch> toWrite = stored.isEmpty() ? batches : without(batches, stored);
      if (toWrite.stream().allMatch(b -> b.calls().isEmpty())) {
        return toWrite;
      }
      insert(client, UUID.randomUUID().toString(), toWrite);
      return toWrite;
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
  private void insert(Client client, String token, List<Batch> batches) throws Exception {
    InsertSettings settings =
        new InsertSettings()
            .setDatabase(database)
            .setQueryId(UUID.randomUUID().toString())
            .serverSetting("insert_deduplicate", "1")
            .serverSetting("insert_deduplication_token", token);
    settings.setNetworkTimeout(timeout.toMillis(), ChronoUnit.MILLIS);
    try {
      client
          .insert(TABLE, INSERT_COLUMNS, out -> writeRows(out, batches), ClickHouseFormat.RowBinary, settings)
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
   * rows once whether the first attempt committed, commits later, or never arrived.
   *
   * @throws RetryLaterException while the engine does not answer
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

  /** Keys (service, batch id, call id) of the calls of retryable batches that are stored already. */
  private Set<String> alreadyStored(Client client, List<Batch> batches) {
    Set<String> services = new LinkedHashSet<>();
    Set<String> batchIds = new LinkedHashSet<>();
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    for (Batch batch : batches) {
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
    Map<String, Object> params = new HashMap<>();
    StringBuilder sql =
        new StringBuilder("SELECT service, batch_id, id FROM ")
            .append(TABLE)
            .append(" WHERE timestamp >= fromUnixTimestamp64Micro({from:Int64}, 'UTC')")
            .append(" AND timestamp <= fromUnixTimestamp64Micro({to:Int64}, 'UTC')");
    params.put("from", from);
    params.put("to", to);
    appendIn(sql, params, "service", "s", services);
    appendIn(sql, params, "batch_id", "b", batchIds);
    Set<String> stored = new HashSet<>();
    QuerySettings settings = new QuerySettings().setDatabase(database);
    settings.setNetworkTimeout(timeout.toMillis(), ChronoUnit.MILLIS);
    try {
      for (GenericRecord row : client.queryAll(sql.toString(), params, settings)) {
        stored.add(key(row.getString("service"), row.getString("batch_id"), row.getString("id")));
      }
    } catch (RuntimeException e) {
      throw translate("look-up of stored batches", e);
    }
    return stored;
  }

  private static void appendIn(
      StringBuilder sql, Map<String, Object> params, String column, String prefix, Set<String> values) {
    sql.append(" AND ").append(column).append(" IN (");
    int i = 0;
    for (String value : values) {
      String name = prefix + i;
      sql.append(i == 0 ? "" : ", ").append('{').append(name).append(":String}");
      params.put(name, ServerParameters.string(value));
      i++;
    }
    sql.append(')');
  }

  private static List<Batch> without(List<Batch> batches, Set<String> stored) {
    List<Batch> out = new ArrayList<>(batches.size());
    for (Batch batch : batches) {
      if (!batch.mayBeStored()) {
        out.add(batch);
        continue;
      }
      List<CallRecord> rest = new ArrayList<>(batch.calls().size());
      for (CallRecord call : batch.calls()) {
        if (!stored.contains(key(call.service(), batch.batchId(), call.id()))) {
          rest.add(call);
        }
      }
      if (rest.size() == batch.calls().size()) {
        out.add(batch);
      } else {
        // Encoded again from the remaining calls: a rare path (retries), kept simple.
        out.add(new Batch(batch.batchId(), rest, batch.retentionDays(), true));
      }
    }
    return out;
  }

  private static String key(String service, String batchId, String id) {
    return service + '\u0000' + batchId + '\u0000' + id;
  }

  /** Encodes the batch's rows now, so that the commit only copies bytes to the engine. */
  @Override
  public Batch prepare(Batch batch) {
    if (batch.prepared() instanceof EncodedRows || batch.calls().isEmpty()) {
      return batch;
    }
    return new Batch(
        batch.batchId(), batch.calls(), batch.retentionDays(), batch.mayBeStored(), encode(batch));
  }

  /** A batch's rows in RowBinary, in chunks, ready to be sent. */
  record EncodedRows(List<byte[]> chunks, int rows) {

    long bytes() {
      long bytes = 0;
      for (byte[] chunk : chunks) {
        bytes += chunk.length;
      }
      return bytes;
    }
  }

  /** The batch's encoded rows, the bulk of what it holds while queued. */
  @Override
  public long bytes(Batch batch) {
    return batch.prepared() instanceof EncodedRows rows ? rows.bytes() : CallWriter.super.bytes(batch);
  }

  static EncodedRows encode(Batch batch) {
    RowBinary out = new RowBinary();
    byte[] batchId = batch.batchId().getBytes(StandardCharsets.US_ASCII);
    for (CallRecord call : batch.calls()) {
      out.int64(Micros.of(call.timestamp()));
      out.string(call.id());
      out.string(call.service());
      out.string(call.method());
      out.string(call.url());
      out.string(call.path());
      out.string(call.route());
      out.map(call.queryParams());
      out.map(call.requestHeaders());
      out.map(call.responseHeaders());
      out.string(call.requestBody());
      out.uint32(call.requestBodySize());
      out.string(call.responseBody());
      out.uint32(call.responseBodySize());
      out.uint16(call.statusCode());
      out.uint32(call.latencyMicros());
      out.string(call.error());
      out.string(call.sourceIp());
      out.map(call.tags());
      out.string(call.traceId());
      out.string(call.spanId());
      out.string(call.customerId());
      out.string(call.apiKeyId());
      out.string(call.plan());
      out.float32((float) call.sampleRate());
      out.uint8(call.requestBodyTruncated() ? 1 : 0);
      out.uint8(call.responseBodyTruncated() ? 1 : 0);
      out.bytes(batchId);
      out.uint16(batch.retentionDaysOf(call.service()));
    }
    return new EncodedRows(out.finish(), batch.calls().size());
  }

  private static void writeRows(OutputStream target, List<Batch> batches) throws IOException {
    for (Batch batch : batches) {
      if (batch.calls().isEmpty()) {
        continue;
      }
      EncodedRows rows =
          batch.prepared() instanceof EncodedRows e && e.rows() == batch.calls().size()
              ? e
              : encode(batch);
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

  /**
   * ClickHouse's RowBinary encoding of the column types api_calls uses, into chunks of {@value
   * #CHUNK} bytes: small enough that the heap treats them as ordinary objects (a batch in one
   * array of a megabyte or more would be a humongous allocation in G1), large enough that
   * sending them costs nothing.
   */
  private static final class RowBinary {

    static final int CHUNK = 64 << 10;

    private final List<byte[]> chunks = new ArrayList<>();
    private final byte[] scratch = new byte[10];
    private byte[] buf = new byte[CHUNK];
    private int pos;

    /** The chunks: all full but the last, which is cut to its length. */
    List<byte[]> finish() {
      chunks.add(pos == buf.length ? buf : Arrays.copyOf(buf, pos));
      buf = null;
      return chunks;
    }

    void uint8(int v) {
      if (pos == buf.length) {
        next();
      }
      buf[pos++] = (byte) v;
    }

    void uint16(int v) {
      littleEndian(v, 2);
    }

    void uint32(long v) {
      littleEndian(v, 4);
    }

    void int64(long v) {
      littleEndian(v, 8);
    }

    private void littleEndian(long v, int n) {
      if (buf.length - pos >= n) {
        for (int i = 0; i < n; i++) {
          buf[pos++] = (byte) (v >>> (8 * i));
        }
        return;
      }
      for (int i = 0; i < n; i++) {
        scratch[i] = (byte) (v >>> (8 * i));
      }
      raw(scratch, n);
    }

    void float32(float v) {
      uint32(Float.floatToIntBits(v) & 0xFFFF_FFFFL);
    }

    void varint(long v) {
      byte[] target = buf.length - pos >= 10 ? buf : scratch;
      int at = target == buf ? pos : 0;
      while ((v & ~0x7FL) != 0) {
        target[at++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      target[at++] = (byte) v;
      if (target == buf) {
        pos = at;
      } else {
        raw(scratch, at);
      }
    }

    void string(String s) {
      bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    void bytes(byte[] b) {
      varint(b.length);
      raw(b, b.length);
    }

    /** Copies bytes, across chunks where they do not fit in the current one. */
    private void raw(byte[] b, int length) {
      int from = 0;
      while (from < length) {
        if (pos == buf.length) {
          next();
        }
        int n = Math.min(length - from, buf.length - pos);
        System.arraycopy(b, from, buf, pos, n);
        pos += n;
        from += n;
      }
    }

    private void next() {
      chunks.add(buf);
      buf = new byte[CHUNK];
      pos = 0;
    }

    void map(Map<String, String> m) {
      varint(m.size());
      for (Map.Entry<String, String> e : m.entrySet()) {
        string(e.getKey());
        string(e.getValue());
      }
    }
  }

  @Override
  public String toString() {
    return "ClickHouseCallWriter{" + database + "." + TABLE + ", RowBinary}";
  }
}
