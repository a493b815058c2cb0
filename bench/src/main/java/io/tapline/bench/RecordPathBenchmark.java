package io.tapline.bench;

import com.sun.management.ThreadMXBean;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.ingest.RecordPathStages;
import io.tapline.server.storage.CallRecord;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The server's CPU and allocation per record on the ingest record path, stage by stage, on one
 * thread and without a server or engine: protobuf decoding of a batch (gRPC's part, for scale),
 * decoding and validation, masking (its parts apart), the stored record (masking, cutting, route
 * template), RowBinary encoding, and the whole path from the batch's bytes. The records are those
 * of {@link IngestBenchmark}, in batches of 1,000.
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

    RecordPathStages stages =
        new RecordPathStages(ConfigLoader.load(new String[0]).ingest(), Clock.systemUTC());
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
    List<List<CallRecord>> validated = new ArrayList<>();
    List<List<CallRecord>> stored = new ArrayList<>();
    for (IngestRequest batch : batches) {
      validated.add(stages.validate(batch));
      stored.add(stages.toStore(validated.getLast()));
    }

    Map<String, ToIntFunction<Integer>> stageByName = new LinkedHashMap<>();
    stageByName.put("decode protobuf (gRPC's part)", i -> parse(encoded.get(i)).getCallsCount());
    // Validation reads the calls as the server gets them: freshly decoded, strings still bytes.
    stageByName.put("decode + validate", i -> stages.validate(parse(encoded.get(i))).size());
    stageByName.put("  mask headers", i -> stages.maskHeaders(validated.get(i)));
    stageByName.put("  mask url + query params", i -> stages.maskUrlAndQuery(validated.get(i)));
    stageByName.put("  mask bodies", i -> stages.maskBodies(validated.get(i)));
    stageByName.put("  mask path, error + route", i -> stages.pathAndRoute(validated.get(i)));
    stageByName.put("stored record (all masking, cut, route)", i -> stages.toStore(validated.get(i)).size());
    stageByName.put(
        "encode RowBinary",
        i -> System.identityHashCode(stages.encode(batches.get(i).getBatchId(), stored.get(i))));
    stageByName.put(
        "decode + validate + stored record + encode",
        i -> {
          IngestRequest batch = parse(encoded.get(i));
          return System.identityHashCode(
              stages.encode(batch.getBatchId(), stages.toStore(stages.validate(batch))));
        });

    String only = opts.get("only");
    if (only != null) {
      stageByName.keySet().removeIf(name -> !name.contains(only));
    }

    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    System.out.printf(
        Locale.ROOT,
        "RecordPathBenchmark: %d records in batches of %d, ~%d bytes each (protobuf), %.1f s per stage"
            + " after %.1f s of warm-up; load average %.2f, %d cores%n",
        pool.size(), BATCH, encoded.stream().mapToLong(b -> b.length).sum() / pool.size(), seconds,
        warmup, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
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
    System.out.printf("%-42s %12s %12s %14s%n", "stage", "CPU µs/rec", "wall µs/rec", "alloc B/rec");
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
          Locale.ROOT, "%-42s %12.2f %12.2f %14d%n",
          stage.getKey(), cpu / 1e3 / records, wall / 1e3 / records, alloc / records);
    }
    System.out.println("(sink " + (sink & 0xF) + ")");
  }

  private static IngestRequest parse(byte[] bytes) {
    try {
      return IngestRequest.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
