package io.tapline.bench;

import io.tapline.server.app.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import java.nio.file.Path;
import java.util.List;

/**
 * The web console on 10 million calls: loads the same data as {@link QueryBenchmark} (reusing it
 * from the same data directory), starts the server with its console, and runs {@code
 * bench/console/console-bench.mjs}, which drives Debian's Chromium and prints the time to the call
 * explorer's first rows, to a filtered page and to the overview's charts.
 *
 * <p>Usage: {@code ./bench/run ConsoleBenchmark [rows] [data-dir]} (defaults 10000000,
 * target/query-bench). {@code RUNS} in the environment sets the runs per figure (7).
 */
public final class ConsoleBenchmark {

  private ConsoleBenchmark() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : QueryBenchmark.DEFAULT_ROWS;
    Path dataDir = Path.of(args.length > 1 ? args[1] : "target/query-bench").toAbsolutePath();
    String adminKey = ApiKeys.generate().key();
    try (TaplineServer server = TaplineServer.start(QueryBenchmark.dataConfig(dataDir, adminKey))) {
      QueryBenchmark.load(server, rows);
      ProcessBuilder script =
          new ProcessBuilder(List.of("node", "bench/console/console-bench.mjs")).inheritIO();
      script.environment().put("TAPLINE_URL", "http://127.0.0.1:" + server.port());
      script.environment().put("TAPLINE_ADMIN_KEY", adminKey);
      int exit = script.start().waitFor();
      if (exit != 0) {
        throw new IllegalStateException("console-bench.mjs failed with exit code " + exit);
      }
    }
  }
}
