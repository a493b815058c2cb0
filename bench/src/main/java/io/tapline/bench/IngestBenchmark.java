package io.tapline.bench;

import com.sun.management.GcInfo;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.MetadataUtils;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.testing.EmbeddedCluster;
import io.tapline.server.testing.RetryingIngestClient;
import io.tapline.server.testing.SharedClickHouse;
import io.tapline.server.testing.TempDirs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Ingest throughput: several concurrent clients stream batches of realistic ~1 KB records over
 * IngestStream (each with a window of batches in flight, retrying like an SDK) into a server on its
 * own embedded engine. Every few seconds it prints records/s, MB/s (serialized batches), ack
 * latency p50/p99 and the JVM heap (server and load generator share this JVM; the engine is a
 * separate process), then totals and the rows actually stored.
 *
 * <pre>
 * ./bench/run IngestBenchmark [--clients=4] [--batch=1000] [--window=4] [--seconds=60] [--warmup=15]
 *                             [--pool=10000]       (distinct calls per client)
 *                             [--anonymous=true]   (no batch ids: no look-up of stored rows)
 *                             [--generator=process] (clients in a separate JVM on this machine)
 *                             [--cluster=2x1]      (a cluster of embedded engines: shards x replicas)
 *                             [--drop-views=api_calls_routes_1d_mv,...] (what those rollups cost)
 *                             [--flag=--ingest.commit-max-records=20000 ...]
 * </pre>
 *
 * <p>With {@code --generator=process} the clients run in a child JVM (as real senders would, still
 * sharing the machine's cores), which prints the records/s and latency lines; this JVM then prints
 * the server's heap, and the CPU of the server, the engine and the generator apart.
 */
public final class IngestBenchmark {

  private static final int REPORT_SECONDS = 5;

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new java.util.HashMap<>();
    List<String> serverFlags = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--flag=")) {
        serverFlags.add(arg.substring(7));
      } else if (arg.startsWith("--") && arg.contains("=")) {
        opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
      }
    }
    int clients = Integer.parseInt(opts.getOrDefault("clients", "4"));
    int batchSize = Integer.parseInt(opts.getOrDefault("batch", "1000"));
    int window = Integer.parseInt(opts.getOrDefault("window", "4"));
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "60"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "15"));
    // Without batch ids the server cannot recognise retries, and skips its look-up of stored rows.
    boolean named = !Boolean.parseBoolean(opts.getOrDefault("anonymous", "false"));
    boolean separate = "process".equals(opts.getOrDefault("generator", "in-process"));
    int poolSize = Integer.parseInt(opts.getOrDefault("pool", "10000"));
    Load load = new Load(clients, batchSize, window, seconds, warmup, named, poolSize);

    if (opts.containsKey("connect")) {
      // The generator's role, in the child JVM.
      runClients(load, Integer.parseInt(opts.get("connect")), opts.get("key"), false);
      return;
    }

    Path dataDir = Files.createTempDirectory("tapline-ingest-bench");
    String adminKey = ApiKeys.generate().key();
    List<String> flags = new ArrayList<>(List.of("--auth.bootstrap-admin-key=" + adminKey));
    flags.add("--ingest.rate-limit-per-second=0");
    flags.addAll(serverFlags);
    System.out.printf(
        "IngestBenchmark: %d clients, batches of %d records, window %d, %d s (+%d s warm-up), %d"
            + " cores, load generator %s%n  server flags %s%n",
        clients,
        batchSize,
        window,
        seconds,
        warmup,
        Runtime.getRuntime().availableProcessors(),
        separate ? "in a separate JVM" : "in this JVM",
        flags);

    try {
      run(load, separate, args, dataDir, adminKey, flags, opts);
    } finally {
      TempDirs.deleteTree(dataDir); // a minute of ingest leaves gigabytes
    }
  }

  private static void run(
      Load load,
      boolean separate,
      String[] args,
      Path dataDir,
      String adminKey,
      List<String> flags,
      Map<String, String> opts)
      throws Exception {
    String cluster = opts.getOrDefault("cluster", "");
    try (Store store = cluster.isEmpty() ? Store.engine(dataDir) : Store.cluster(cluster);
        TaplineServer server =
            TaplineServer.start(
                store.configure(
                    ConfigLoader.load(flags.toArray(String[]::new)).withPort(0), "bench"))) {
      List<EmbeddedClickHouse> engine = store.engines();
      dropViews(server, opts.getOrDefault("drop-views", ""));
      if (!separate) {
        long storedAtStart = storedRows(server);
        long[] measuredStart = new long[2];
        Measured m =
            runClients(
                load,
                server.port(),
                adminKey,
                true,
                () -> {
                  long[] cpu = cpuNanos(engine);
                  measuredStart[0] = cpu[0];
                  measuredStart[1] = cpu[1];
                });
        long[] cpuAtEnd = cpuNanos(engine);
        double jvmCpu = (cpuAtEnd[0] - measuredStart[0]) / 1e9;
        double engineCpu = (cpuAtEnd[1] - measuredStart[1]) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "CPU while measuring: %.1f s in this JVM (server and load generator), %.1f s in the"
                + " engine; %.1f + %.1f µs per record; %.0f records per CPU-second, so about %.0f"
                + " records/s if both cores were ours alone%n",
            jvmCpu,
            engineCpu,
            jvmCpu * 1e6 / m.records(),
            engineCpu * 1e6 / m.records(),
            m.records() / (jvmCpu + engineCpu),
            2 * m.records() / (jvmCpu + engineCpu));
        System.out.printf(
            "acknowledged %d records; stored %d rows%n",
            m.acknowledged(), storedRows(server) - storedAtStart);
        printInserts(server);
        return;
      }
      runSeparateGenerator(load, args, server, engine, adminKey);
    }
  }

  /** The ingest load: streaming clients, their batches and window, for how long. */
  record Load(
      int clients, int batchSize, int window, int seconds, int warmup, boolean named, int pool) {}

  /** Records acknowledged while measuring, and in all. */
  record Measured(long records, long acknowledged) {}

  /**
   * Starts the clients in a child JVM with this class path and waits for it; meanwhile prints the
   * server's heap, then the CPU of each process while measuring.
   */
  private static void runSeparateGenerator(
      Load load,
      String[] args,
      TaplineServer server,
      List<EmbeddedClickHouse> engine,
      String adminKey)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(IngestBenchmark.class.getName());
    for (String arg : args) {
      if (!arg.startsWith("--flag=") && !arg.startsWith("--generator=")) {
        command.add(arg);
      }
    }
    command.add("--connect=" + server.port());
    command.add("--key=" + adminKey);
    Process generator = new ProcessBuilder(command).inheritIO().start();
    long start = System.nanoTime();
    long measureAt = start + TimeUnit.SECONDS.toNanos(load.warmup());
    long[] cpuAtMeasure = null;
    long generatorCpuAtMeasure = 0;
    long storedAtMeasure = 0;
    long measuredFrom = 0;
    long generatorCpuAtEnd = 0;
    long storedAtGeneratorReading = 0;
    while (!generator.waitFor(REPORT_SECONDS, TimeUnit.SECONDS)) {
      long now = System.nanoTime();
      if (cpuAtMeasure == null && now >= measureAt) {
        cpuAtMeasure = cpuNanos(engine);
        generatorCpuAtMeasure = cpuNanos(generator.toHandle());
        storedAtMeasure = storedRows(server);
        measuredFrom = now;
      }
      if (cpuAtMeasure != null) {
        // The last reading before the generator exits (its CPU cannot be read afterwards).
        generatorCpuAtEnd = cpuNanos(generator.toHandle());
        storedAtGeneratorReading = storedRows(server);
      }
      System.out.printf(
          Locale.ROOT,
          "  %5ds server heap used %5.0f MB, after last GC %5.0f MB%n",
          (now - start) / 1_000_000_000L,
          heapUsed() / 1e6,
          heapAfterLastGc() / 1e6);
    }
    long[] cpuAtEnd = cpuNanos(engine);
    if (cpuAtMeasure == null || storedAtGeneratorReading == 0) {
      System.out.println(
          "the generator ended before the measurement; exit code " + generator.exitValue());
      return;
    }
    long records = storedRows(server) - storedAtMeasure;
    double secs = (System.nanoTime() - measuredFrom) / 1e9;
    double serverCpu = (cpuAtEnd[0] - cpuAtMeasure[0]) / 1e9;
    double engineCpu = (cpuAtEnd[1] - cpuAtMeasure[1]) / 1e9;
    double generatorCpu = (generatorCpuAtEnd - generatorCpuAtMeasure) / 1e9;
    long generatorRecords = storedAtGeneratorReading - storedAtMeasure;
    System.out.printf(
        Locale.ROOT,
        "server side: %d rows stored in the last %.0f s (%.0f rows/s)%nCPU while measuring: server"
            + " JVM %.1f s, engine %.1f s; load generator %.1f s (to its last reading, %d rows);"
            + " per record: server %.1f µs, engine %.1f µs, generator %.1f µs; about %.0f records/s"
            + " if both cores were ours alone%n",
        records,
        secs,
        records / secs,
        serverCpu,
        engineCpu,
        generatorCpu,
        generatorRecords,
        serverCpu * 1e6 / records,
        engineCpu * 1e6 / records,
        generatorCpu * 1e6 / generatorRecords,
        2 / ((serverCpu + engineCpu) / records + generatorCpu / generatorRecords));
  }

  /** How many INSERTs stored the calls, and how large they were, by shard in a cluster. */
  static void printInserts(TaplineServer server) {
    server.meters().find("tapline.clickhouse.insert.records").summaries().stream()
        .sorted(java.util.Comparator.comparing(s -> String.valueOf(s.getId().getTag("shard"))))
        .forEach(
            s ->
                System.out.printf(
                    Locale.ROOT,
                    "INSERTs%s: %d, %.0f records each on average%n",
                    s.getId().getTag("shard") == null
                        ? ""
                        : " to shard " + s.getId().getTag("shard"),
                    s.count(),
                    s.mean()));
  }

  /** Calls stored in the server's database. */
  /**
   * Drops the materialized views named (comma-separated) on one engine, so that a run without them
   * shows what the rollups they fill cost at ingest.
   */
  static void dropViews(TaplineServer server, String views) throws Exception {
    if (views.isEmpty()) {
      return;
    }
    try (Connection c = server.storage().dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (String view : views.split(",")) {
        if (!view.matches("api_calls_\\w+_mv")) {
          throw new IllegalArgumentException("Not a rollup's view: " + view);
        }
        s.execute("DROP VIEW " + view);
        System.out.println("Dropped the view " + view);
      }
    }
  }

  static long storedRows(TaplineServer server) throws Exception {
    try (Connection c = server.storage().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count() FROM api_calls")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static Measured runClients(Load load, int port, String key, boolean printHeap) throws Exception {
    return runClients(load, port, key, printHeap, () -> {});
  }

  /**
   * Streams batches from {@code load.clients()} clients until the time is up; prints records/s,
   * MB/s and ack latency every few seconds (and this JVM's heap when asked), then the sustained
   * figures after the warm-up.
   */
  private static Measured runClients(
      Load load, int port, String adminKey, boolean printHeap, Runnable onMeasureStart)
      throws Exception {
    int clients = load.clients();
    int batchSize = load.batchSize();
    int window = load.window();
    int seconds = load.seconds();
    int warmup = load.warmup();
    boolean named = load.named();
    // A pool per client, each of distinct calls: a stream repeating few calls would compress,
    // and so merge, far more cheaply than real traffic.
    List<IngestRecords.Encoder> encoders = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      List<ApiCall> pool = IngestRecords.pool(load.pool(), 42 + c);
      encoders.add(new IngestRecords.Encoder(pool));
      if (c == 0) {
        checkEncoding(encoders.getFirst(), pool, batchSize);
      }
    }
    long avgBytes =
        encoders.getFirst().batch("", 0, load.pool(), System.currentTimeMillis()).length
            / load.pool();
    System.out.printf(
        "  record size: %d bytes on average (protobuf), %d distinct calls per client%n",
        avgBytes, load.pool());

    AtomicLong records = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    LatencyWindow latencies = new LatencyWindow();
    long endAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + seconds);
    ExecutorService threads = Executors.newFixedThreadPool(clients);
    List<ManagedChannel> channels = new ArrayList<>();
    List<Future<RetryingIngestClient.Result>> results = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      ManagedChannel channel =
          Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
              .maxInboundMessageSize(64 << 20)
              .build();
      channels.add(channel);
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + adminKey);
      Channel authed =
          ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
      int client = c;
      Iterator<EncodedBatch> batches = batches(client, batchSize, encoders.get(c), endAt, named);
      LongConsumer onAck =
          nanos -> {
            records.addAndGet(batchSize);
            bytes.addAndGet(batchSize * avgBytes);
            latencies.add(nanos);
          };
      results.add(
          threads.submit(
              () ->
                  new RetryingIngestClient<>(authed, window, ENCODED_STREAM, EncodedBatch::batchId)
                      .sendAll(batches, onAck, Duration.ofSeconds(warmup + seconds + 120))));
    }

    System.out.println(
        "  time   records/s      MB/s   ack p50   ack p99"
            + (printHeap ? "   heap used   heap after last GC" : ""));
    long start = System.nanoTime();
    long measuredFrom = start + TimeUnit.SECONDS.toNanos(warmup);
    long recordsAtMeasureStart = -1;
    long bytesAtMeasureStart = 0;
    List<Long> measured = new ArrayList<>();
    long lastRecords = 0;
    long lastBytes = 0;
    long last = start;
    while (results.stream().anyMatch(f -> !f.isDone())) {
      Thread.sleep(REPORT_SECONDS * 1000L);
      long now = System.nanoTime();
      long r = records.get();
      long b = bytes.get();
      double secs = (now - last) / 1e9;
      long[] lat = latencies.drain();
      measured.addAll(now > measuredFrom ? boxed(lat) : List.of());
      if (recordsAtMeasureStart < 0 && now >= measuredFrom) {
        recordsAtMeasureStart = r;
        bytesAtMeasureStart = b;
        onMeasureStart.run();
        measuredFrom = now;
        measured.clear();
      }
      System.out.printf(
          Locale.ROOT,
          "%5ds %11.0f %9.1f %7.0fms %7.0fms" + (printHeap ? " %9.0f MB %12.0f MB" : "") + "%n",
          (now - start) / 1_000_000_000L,
          (r - lastRecords) / secs,
          (b - lastBytes) / secs / 1e6,
          percentile(lat, 0.50) / 1e6,
          percentile(lat, 0.99) / 1e6,
          heapUsed() / 1e6,
          heapAfterLastGc() / 1e6);
      lastRecords = r;
      lastBytes = b;
      last = now;
    }
    long end = System.nanoTime();
    long sent = 0;
    long retried = 0;
    for (Future<RetryingIngestClient.Result> f : results) {
      RetryingIngestClient.Result result = f.get();
      sent += result.records();
      retried += result.retriedBatches();
      if (!result.permanentFailures().isEmpty()) {
        System.out.println("  permanent failures: " + result.permanentFailures());
      }
    }
    threads.shutdown();
    channels.forEach(ManagedChannel::shutdownNow);
    double measuredSecs = (end - measuredFrom) / 1e9;
    long[] all = measured.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(all);
    System.out.printf(
        Locale.ROOT,
        "%nsustained (after warm-up, %.0f s): %.0f records/s, %.1f MB/s, ack p50 %.0f ms, p99 %.0f"
            + " ms; %d batches retried%n",
        measuredSecs,
        (records.get() - recordsAtMeasureStart) / measuredSecs,
        (bytes.get() - bytesAtMeasureStart) / measuredSecs / 1e6,
        percentile(all, 0.50) / 1e6,
        percentile(all, 0.99) / 1e6,
        retried);
    return new Measured(records.get() - recordsAtMeasureStart, sent);
  }

  static long cpuNanos(ProcessHandle process) {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  /** CPU time used so far by this JVM and by the engine's process. */
  static long[] cpuNanos(EmbeddedClickHouse engine) {
    return cpuNanos(List.of(engine));
  }

  /** CPU time used so far by this JVM and by the engines' processes together. */
  static long[] cpuNanos(List<EmbeddedClickHouse> engines) {
    long jvm =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    long engineCpu = 0;
    for (EmbeddedClickHouse engine : engines) {
      engineCpu += ProcessHandle.of(engine.pid()).map(IngestBenchmark::cpuNanos).orElse(0L);
    }
    return new long[] {jvm, engineCpu};
  }

  /**
   * Where the benchmark's server stores calls: an embedded engine of its own, or a cluster of
   * embedded engines ({@code --cluster=SHARDSxREPLICAS}).
   */
  private record Store(List<EmbeddedClickHouse> engines, EmbeddedCluster cluster)
      implements AutoCloseable {

    static Store engine(Path dataDir) {
      return new Store(
          List.of(
              EmbeddedClickHouse.start(
                  new TaplineConfig.Embedded(
                      SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60)))),
          null);
    }

    static Store cluster(String layout) {
      String[] parts = layout.split("x");
      EmbeddedCluster cluster =
          EmbeddedCluster.start(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
      System.out.printf("  on a cluster of %s embedded engines%n", layout);
      return new Store(cluster.engines(), cluster);
    }

    TaplineConfig configure(TaplineConfig config, String database) {
      if (cluster != null) {
        return cluster.on(config, database);
      }
      EmbeddedClickHouse engine = engines.getFirst();
      return config.withClickHouse(engine.jdbcUrl(), engine.user(), engine.password(), database);
    }

    @Override
    public void close() {
      if (cluster != null) {
        cluster.close();
      } else {
        engines.forEach(EmbeddedClickHouse::close);
      }
    }
  }

  private static List<Long> boxed(long[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(v);
    }
    return out;
  }

  /** An IngestRequest already encoded, with its batch id (to match acknowledgements). */
  record EncodedBatch(String batchId, byte[] bytes) {}

  /** IngestStream sending encoded batches; acknowledgements are decoded as usual. */
  private static final MethodDescriptor<EncodedBatch, IngestResponse> ENCODED_STREAM =
      IngestServiceGrpc.getIngestStreamMethod().toBuilder(
              new MethodDescriptor.Marshaller<EncodedBatch>() {
                @Override
                public InputStream stream(EncodedBatch batch) {
                  return new ByteArrayInputStream(batch.bytes());
                }

                @Override
                public EncodedBatch parse(InputStream stream) {
                  throw new UnsupportedOperationException("requests are only sent");
                }
              },
              IngestServiceGrpc.getIngestStreamMethod().getResponseMarshaller())
          .build();

  private static Iterator<EncodedBatch> batches(
      int client, int size, IngestRecords.Encoder encoder, long endAt, boolean named) {
    return new Iterator<>() {
      long next;

      @Override
      public boolean hasNext() {
        return System.nanoTime() < endAt;
      }

      @Override
      public EncodedBatch next() {
        long n = next++;
        int from = (int) ((n * size) % encoder.poolSize());
        String batchId = named ? "bench-" + client + "-" + n : "";
        return new EncodedBatch(
            batchId, encoder.batch(batchId, from, size, System.currentTimeMillis()));
      }
    };
  }

  /** Fails unless the encoder's bytes are what protobuf itself makes of the same batch. */
  private static void checkEncoding(IngestRecords.Encoder encoder, List<ApiCall> pool, int size) {
    long now = System.currentTimeMillis();
    int from = pool.size() - size / 2; // wraps around the pool's end
    byte[] encoded = encoder.batch("bench-check", from, size, now);
    byte[] expected = encoder.request(pool, "bench-check", from, size, now).toByteArray();
    if (!Arrays.equals(encoded, expected)) {
      throw new IllegalStateException("the benchmark's batch encoding differs from protobuf's");
    }
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Heap in use right after the most recent collection (young or old): the live data, which stays
   * flat when nothing accumulates.
   */
  private static long heapAfterLastGc() {
    long latestEnd = -1;
    long used = 0;
    for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (bean instanceof com.sun.management.GarbageCollectorMXBean gc
          && gc.getLastGcInfo() != null) {
        GcInfo info = gc.getLastGcInfo();
        if (info.getEndTime() > latestEnd) {
          latestEnd = info.getEndTime();
          used = 0;
          for (Map.Entry<String, MemoryUsage> pool : info.getMemoryUsageAfterGc().entrySet()) {
            if (isHeapPool(pool.getKey())) {
              used += pool.getValue().getUsed();
            }
          }
        }
      }
    }
    return used;
  }

  private static boolean isHeapPool(String name) {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getName().equals(name)) {
        return pool.getType() == MemoryType.HEAP;
      }
    }
    return false;
  }

  /** Ack latencies of one reporting interval. */
  private static final class LatencyWindow {
    private long[] values = new long[1024];
    private int size;

    synchronized void add(long nanos) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = nanos;
    }

    synchronized long[] drain() {
      long[] out = Arrays.copyOf(values, size);
      size = 0;
      Arrays.sort(out);
      return out;
    }
  }
}
