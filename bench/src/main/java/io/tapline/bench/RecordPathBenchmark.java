package io.tapline.bench;

import com.sun.management.ThreadMXBean;
import io.tapline.masking.Masker;
import io.tapline.masking.SensitiveNames;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.ingest.IngestPipeline;
import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallSink;
import io.tapline.server.storage.PlanRecord;
import io.tapline.server.storage.PlanStore;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import io.tapline.server.storage.clickhouse.ClickHouseCallWriter;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntFunction;

/**
 * The server's CPU and allocation per record on the ingest record path, stage by stage, on one
 * thread and without a server or engine, through the path's public entry points: protobuf decoding
 * of a batch (gRPC's part, for scale), masking (its parts apart, on the records as sent), the
 * pipeline (validation, masking, cutting, route template, enrichment, RowBinary encoding of each
 * call as it is ready), the encoding of a whole batch alone, and the whole path from the batch's
 * bytes. The records are those of {@link IngestBenchmark}, in batches of 1,000; no service is
 * registered and no rate limit applies.
 *
 * <pre>
 * ./bench/run RecordPathBenchmark [--seconds=2] [--warmup=8] [--only=TEXT]
 * </pre>
 *
 * <p>{@code --only} keeps the stages whose name holds TEXT (to profile one, for example).
 *
 * <p>It prints, per stage, the thread's CPU time and the bytes it allocated per record (both from
 * {@link ThreadMXBean}, so another process on the machine changes them little), and the wall time.
 */
public final class RecordPathBenchmark {

  private static final int BATCH = 1_000;

  public static void main(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (String arg : args) {
      if (arg.startsWith("--") && arg.contains("=")) {
        opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
      }
    }
    double seconds = Double.parseDouble(opts.getOrDefault("seconds", "2"));
    double warmup = Double.parseDouble(opts.getOrDefault("warmup", "8"));

    TaplineConfig.Ingest config =
        ConfigLoader.load(new String[] {"--ingest.rate-limit-per-second=0"}).ingest();
    Masker masker = config.masker();
    IngestPipeline pipeline =
        new IngestPipeline(
            config, masker, new EncodingSink(), new NoServices(), new NoPlans(), Clock.systemUTC());
    Principal sender = new Principal("bench-key", Set.of(Scope.INGEST), "", "", "");
    SensitiveNames none = SensitiveNames.none();
    List<ApiCall> pool = IngestRecords.pool();
    List<IngestRequest> batches = new ArrayList<>();
    List<byte[]> encoded = new ArrayList<>();
    for (int from = 0; from + BATCH <= pool.size(); from += BATCH) {
      IngestRequest batch =
          IngestRequest.newBuilder()
              .setBatchId("bench-" + from)
              .addAllCalls(pool.subList(from, from + BATCH))
              .build();
      batches.add(batch);
      encoded.add(batch.toByteArray());
    }
    List<CallBatch> prepared = new ArrayList<>();
    for (IngestRequest batch : batches) {
      IngestPipeline.Prepared p = pipeline.prepare(batch, sender);
      if (p.response().getRejected() > 0) {
        throw new IllegalStateException("records refused: " + p.response().getRejectionsList());
      }
      prepared.add(encodedBatch(p));
    }

    Map<String, ToIntFunction<Integer>> stageByName = new LinkedHashMap<>();
    stageByName.put("decode protobuf (gRPC's part)", i -> parse(encoded.get(i)).getCallsCount());
    stageByName.put(
        "  mask headers",
        i -> {
          int h = 0;
          for (ApiCall c : batches.get(i).getCallsList()) {
            h += System.identityHashCode(masker.headers(c.getRequestHeadersMap(), none));
            h += System.identityHashCode(masker.headers(c.getResponseHeadersMap(), none));
          }
          return h;
        });
    stageByName.put(
        "  mask url",
        i -> {
          int h = 0;
          for (ApiCall c : batches.get(i).getCallsList()) {
            h += masker.url(c.getUrl()).length();
          }
          return h;
        });
    stageByName.put(
        "  mask bodies",
        i -> {
          int h = 0;
          for (ApiCall c : batches.get(i).getCallsList()) {
            Map<String, String> req = c.getRequestHeadersMap();
            Map<String, String> res = c.getResponseHeadersMap();
            h += masker.body(c.getRequestBody(), Masker.contentType(req)).length();
            h += masker.body(c.getResponseBody(), Masker.contentType(res)).length();
          }
          return h;
        });
    stageByName.put(
        "  mask error",
        i -> {
          int h = 0;
          for (ApiCall c : batches.get(i).getCallsList()) {
            h += masker.text(c.getError()).length();
          }
          return h;
        });
    // The pipeline reads the calls as the server gets them: freshly decoded, strings still bytes.
    stageByName.put(
        "decode + pipeline (validate, mask, enrich, encode)",
        i -> encodedBatch(pipeline.prepare(parse(encoded.get(i)), sender)).calls().size());
    stageByName.put(
        "encode RowBinary", i -> (int) ClickHouseCallWriter.encodeRows(prepared.get(i)).bytes());

    String only = opts.get("only");
    if (only != null) {
      stageByName.keySet().removeIf(name -> !name.contains(only));
    }

    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    System.out.printf(
        Locale.ROOT,
        "RecordPathBenchmark: %d records in batches of %d, ~%d bytes each (protobuf), %.1f s per"
            + " stage after %.1f s of warm-up; load average %.2f, %d cores%n",
        pool.size(),
        BATCH,
        encoded.stream().mapToLong(b -> b.length).sum() / pool.size(),
        seconds,
        warmup,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
    long sink = 0;
    long warmupEnd = System.nanoTime() + (long) (warmup * 1e9);
    while (System.nanoTime() < warmupEnd) {
      for (ToIntFunction<Integer> stage : stageByName.values()) {
        for (int i = 0; i < batches.size(); i++) {
          sink += stage.applyAsInt(i);
        }
      }
    }
    System.out.printf(
        "%-42s %12s %12s %14s%n", "stage", "CPU µs/rec", "wall µs/rec", "alloc B/rec");
    for (Map.Entry<String, ToIntFunction<Integer>> stage : stageByName.entrySet()) {
      long records = 0;
      long cpu0 = threads.getCurrentThreadCpuTime();
      long alloc0 = threads.getCurrentThreadAllocatedBytes();
      long wall0 = System.nanoTime();
      long end = wall0 + (long) (seconds * 1e9);
      int i = 0;
      while (System.nanoTime() < end) {
        sink += stage.getValue().applyAsInt(i);
        records += BATCH;
        i = (i + 1) % batches.size();
      }
      long wall = System.nanoTime() - wall0;
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      long alloc = threads.getCurrentThreadAllocatedBytes() - alloc0;
      System.out.printf(
          Locale.ROOT,
          "%-42s %12.2f %12.2f %14d%n",
          stage.getKey(),
          cpu / 1e3 / records,
          wall / 1e3 / records,
          alloc / records);
    }
    System.out.println("(sink " + (sink & 0xF) + ")");
  }

  /** The batch a prepared request fills, as the server's sink encodes it. */
  private static CallBatch encodedBatch(IngestPipeline.Prepared prepared) {
    return ((EncodedBatch) prepared.batch()).rows.finish().batch();
  }

  /** Encodes every call as the server's sink does, and stores nothing. */
  private static final class EncodingSink implements CallSink {
    @Override
    public OpenBatch open(String batchId, boolean mayBeStored) {
      return new EncodedBatch(new ClickHouseCallWriter.Rows(batchId, mayBeStored));
    }

    @Override
    public void close() {}
  }

  private record EncodedBatch(ClickHouseCallWriter.Rows rows) implements CallSink.OpenBatch {
    @Override
    public void add(CallRecord call, int retentionDays) {
      rows.add(call, retentionDays);
    }

    @Override
    public CompletableFuture<List<CallRecord>> submit(String sender) {
      throw new UnsupportedOperationException("nothing is stored here");
    }
  }

  /** No registered service: every call gets the default retention and sensitive names. */
  private static final class NoServices implements ServiceStore {
    @Override
    public Optional<ServiceRecord> get(String key) {
      return Optional.empty();
    }

    @Override
    public List<ServiceRecord> list() {
      return List.of();
    }

    @Override
    public void put(ServiceRecord value) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void delete(String key) {
      throw new UnsupportedOperationException();
    }
  }

  /** No usage plan. */
  private static final class NoPlans implements PlanStore {
    @Override
    public Optional<PlanRecord> get(String key) {
      return Optional.empty();
    }

    @Override
    public List<PlanRecord> list() {
      return List.of();
    }

    @Override
    public void put(PlanRecord value) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void delete(String key) {
      throw new UnsupportedOperationException();
    }
  }

  private static IngestRequest parse(byte[] bytes) {
    try {
      return IngestRequest.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
