package io.tapline.bench;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.query.ExportHttpService;
import io.tapline.server.storage.clickhouse.ClickHouseCallExport;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Export of QueryBenchmark's 10 million calls (the last 24 hours) as Parquet, two ways in one run:
 * ClickHouse writing the query's result to a local file itself ({@code INSERT INTO FUNCTION
 * file(...)}), and Tapline's download ({@code POST /v1/calls:export}) written to a local file by an
 * HTTP client in this JVM. Prints rows per second of each, their ratio, and the JVM's heap in use
 * before and at its highest during the download (the server streams: its heap should stay flat).
 *
 * <p>Usage: {@code ./bench/run ExportBenchmark [rows] [data-dir]} (defaults 10000000,
 * target/query-bench).
 */
public final class ExportBenchmark {

  private ExportBenchmark() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : QueryBenchmark.DEFAULT_ROWS;
    Path dataDir = Path.of(args.length > 1 ? args[1] : "target/query-bench").toAbsolutePath();
    String adminKey = ApiKeys.generate().key();
    TaplineConfig config = QueryBenchmark.dataConfig(dataDir, adminKey);
    try (TaplineServer server = TaplineServer.start(config)) {
      QueryBenchmark.load(server, rows);
      String where = "timestamp >= now64(6) - INTERVAL 24 HOUR";

      // ClickHouse alone: the same SELECT, written by the engine to a file of its own; once with
      // the limits Tapline puts on client queries (threads, priority), once without.
      String file = "export-bench-" + System.nanoTime() + ".parquet";
      Written limited;
      Written unlimited;
      try (Connection connection = QueryBenchmark.engineConnection(server);
          Statement statement = connection.createStatement()) {
        limited =
            engineExport(
                statement,
                file,
                where,
                ", max_threads = "
                    + config.query().maxThreads()
                    + ", os_thread_priority = "
                    + config.query().nice());
        unlimited = engineExport(statement, file, where, "");
      }
      Path userFiles = limited.directory();

      // Tapline: the download, written to a local file as it arrives.
      // Where the engine reads files, so that it can count the download's rows afterwards.
      Path download = userFiles.resolve("download-" + file);
      download.toFile().deleteOnExit();
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      System.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      AtomicLong heapMax = new AtomicLong(heapBefore);
      ScheduledExecutorService sampler =
          Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
      sampler.scheduleAtFixedRate(
          () -> heapMax.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
          0,
          50,
          TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      WebClient client =
          WebClient.builder("h1c://127.0.0.1:" + server.port())
              .responseTimeoutMillis(0)
              .maxResponseLength(0)
              .build();
      SplitHttpResponse response =
          client
              .execute(
                  HttpRequest.of(
                      RequestHeaders.builder(HttpMethod.POST, ExportHttpService.PATH)
                          .contentType(MediaType.JSON)
                          .set("authorization", "Bearer " + adminKey)
                          .build(),
                      HttpData.ofUtf8("{\"format\": \"EXPORT_FORMAT_PARQUET\"}")))
              .split();
      int status = response.headers().join().status().code();
      long bytes;
      try (OutputStream out = Files.newOutputStream(download)) {
        bytes = response.body().toInputStream(data -> data).transferTo(out);
      }
      double taplineSeconds = (System.nanoTime() - start) / 1e9;
      sampler.shutdownNow();
      long taplineRows;
      try (Connection connection = QueryBenchmark.engineConnection(server);
          Statement statement = connection.createStatement();
          ResultSet rs =
              statement.executeQuery(
                  "SELECT count() FROM file('" + download.getFileName() + "', 'Parquet')")) {
        rs.next();
        taplineRows = rs.getLong(1);
      }
      Files.deleteIfExists(download);

      limited.print("ClickHouse to a file, with client queries' limits");
      unlimited.print("ClickHouse to a file, without limits");
      System.out.printf(
          Locale.ROOT,
          "Tapline download (HTTP %d): %,d rows, %,d bytes in %.1f s: %,.0f rows/s%n",
          status,
          taplineRows,
          bytes,
          taplineSeconds,
          taplineRows / taplineSeconds);
      System.out.printf(
          Locale.ROOT,
          "Tapline at %.0f %% of ClickHouse's rate with the same limits, %.0f %% of its rate"
              + " without (target: at least 80 %%)%n",
          100 * (taplineRows / taplineSeconds) / limited.rate(),
          100 * (taplineRows / taplineSeconds) / unlimited.rate());
      System.out.printf(
          Locale.ROOT,
          "JVM heap in use: %,d MiB before, at most %,d MiB during the download%n",
          heapBefore >> 20,
          heapMax.get() >> 20);
    }
  }

  /** A file the engine wrote: its rows, bytes, the seconds it took and where it was. */
  private record Written(long rows, long bytes, double seconds, Path directory) {
    double rate() {
      return rows / seconds;
    }

    void print(String what) {
      System.out.printf(
          Locale.ROOT,
          "%s: %,d rows, %,d bytes in %.1f s: %,.0f rows/s%n",
          what,
          rows,
          bytes,
          seconds,
          rate());
    }
  }

  private static Written engineExport(
      Statement statement, String file, String where, String settings) throws Exception {
    long start = System.nanoTime();
    statement.execute(
        "INSERT INTO FUNCTION file('"
            + file
            + "', 'Parquet') SELECT "
            + ClickHouseCallExport.selectList(List.of())
            + " FROM api_calls WHERE "
            + where
            + " ORDER BY service, timestamp SETTINGS output_format_parquet_compression_method"
            + " = 'zstd', output_format_parquet_row_group_size_bytes = 67108864,"
            + " max_execution_time = 0"
            + settings);
    double seconds = (System.nanoTime() - start) / 1e9;
    try (ResultSet rs =
        statement.executeQuery(
            "SELECT count(), any(_size), any(_path) FROM file('" + file + "', 'Parquet')")) {
      rs.next();
      Path directory = Path.of(rs.getString(3)).getParent();
      Written written = new Written(rs.getLong(1), rs.getLong(2), seconds, directory);
      Files.deleteIfExists(directory.resolve(file));
      return written;
    }
  }
}
