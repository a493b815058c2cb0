package io.tapline.bench;

import io.tapline.server.testing.ServerOnOwnEngine;
import io.tapline.server.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A benchmark's server on an engine of its own ({@link ServerOnOwnEngine}), with its data in a
 * temporary directory that closing deletes; ingest is not rate-limited.
 */
final class BenchServer implements AutoCloseable {

  final ServerOnOwnEngine tapline;
  private final Path dataDir;

  private BenchServer(ServerOnOwnEngine tapline, Path dataDir) {
    this.tapline = tapline;
    this.dataDir = dataDir;
  }

  /** Starts engine and server; {@code database} also names the data directory. */
  static BenchServer start(String database, String... flags) throws IOException {
    Path dataDir = Files.createTempDirectory("tapline-" + database);
    List<String> all = new ArrayList<>(List.of("--ingest.rate-limit-per-second=0"));
    all.addAll(List.of(flags));
    try {
      return new BenchServer(
          ServerOnOwnEngine.start(dataDir, database, all.toArray(String[]::new)), dataDir);
    } catch (RuntimeException e) {
      TempDirs.deleteTree(dataDir);
      throw e;
    }
  }

  /** A benchmark's {@code --name=value} arguments, by name. */
  static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (String arg : args) {
      if (arg.startsWith("--") && arg.contains("=")) {
        options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
      }
    }
    return options;
  }

  @Override
  public void close() {
    try {
      tapline.close();
    } finally {
      TempDirs.deleteTree(dataDir);
    }
  }
}
