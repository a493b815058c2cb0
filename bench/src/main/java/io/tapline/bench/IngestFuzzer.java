package io.tapline.bench;

import com.linecorp.armeria.client.WebClient;
import io.tapline.server.testing.BatchFuzzer;
import io.tapline.server.testing.FuzzTarget;
import io.tapline.server.testing.ServerOnOwnEngine;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The record path's fuzzer, run for as long as asked (a short run is in the test suite, {@code
 * IngestFuzzIT}). It sends seeded batches of mutated calls, protobuf over gRPC and JSON over HTTP,
 * to a server on its own embedded engine, and checks each answer: the batch answered OK, mutated
 * calls refused one by one, valid calls stored. Every 10 s it prints batches and records tried,
 * accepted and refused, and the failures; each failure names its seed and batch, which {@code
 * -Dtapline.fuzz.seed} replays in the test. At the end it checks that the rows stored are the calls
 * accepted, and exits with 1 when anything failed.
 *
 * <pre>
 * ./bench/run IngestFuzzer [--seconds=300] [--seed=N] [--calls=10]
 * </pre>
 */
public final class IngestFuzzer {

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = BenchServer.options(args);
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "300"));
    long seed =
        Long.parseLong(
            opts.getOrDefault("seed", Long.toString(ThreadLocalRandom.current().nextLong())));
    int calls = Integer.parseInt(opts.getOrDefault("calls", "10"));
    System.out.printf("IngestFuzzer: seed %d, %d calls per batch, %d s%n", seed, calls, seconds);

    int failures = 0;
    try (BenchServer server = BenchServer.start("fuzz")) {
      ServerOnOwnEngine tapline = server.tapline;
      FuzzTarget target =
          new FuzzTarget(
              tapline.channel(),
              WebClient.builder("http://127.0.0.1:" + tapline.port())
                  .addHeader("authorization", "Bearer " + tapline.adminKey())
                  .maxResponseLength(32 << 20)
                  .build());
      BatchFuzzer fuzzer = new BatchFuzzer(seed, "fuzz");
      long batches = 0;
      long records = 0;
      long accepted = 0;
      long refused = 0;
      long start = System.nanoTime();
      long end = start + seconds * 1_000_000_000L;
      long nextReport = start + 10_000_000_000L;
      while (System.nanoTime() < end) {
        BatchFuzzer.Batch batch = fuzzer.next(calls);
        FuzzTarget.Answer answer = target.send(batch);
        batches++;
        records += batch.calls();
        if (answer.problem() != null) {
          failures++;
          if (failures <= 20) {
            System.out.printf(
                "FAILURE seed %d, batch %d (%s): %s%n  mutations: %s%n",
                seed, batch.number(), batch.encoding(), answer.problem(), batch.mutations());
          }
        } else {
          accepted += answer.response().getAccepted();
          refused += answer.response().getRejected();
        }
        if (System.nanoTime() >= nextReport) {
          nextReport += 10_000_000_000L;
          System.out.printf(
              "%4d s: %d batches, %d records tried, %d accepted, %d refused, %d failures%n",
              (System.nanoTime() - start) / 1_000_000_000L,
              batches,
              records,
              accepted,
              refused,
              failures);
        }
      }
      long stored = IngestBenchmark.storedRows(tapline.server());
      System.out.printf(
          "%nseed %d: %d batches, %d records tried, %d accepted, %d refused one by one;"
              + " %d failures; %d rows stored (%s)%n",
          seed,
          batches,
          records,
          accepted,
          refused,
          failures,
          stored,
          stored == accepted ? "the calls accepted" : "NOT the " + accepted + " calls accepted");
      if (stored != accepted) {
        failures++;
      }
    }
    System.exit(failures == 0 ? 0 : 1);
  }
}
