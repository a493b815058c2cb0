package io.tapline.bench;

import io.tapline.server.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.embedded.EmbeddedClickHouse;
import io.tapline.server.testing.SharedClickHouse;
import io.tapline.server.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A server on an embedded engine of its own, with its data in a temporary directory that closing
 * deletes, and a bootstrap admin key; ingest is not rate-limited.
 */
final class BenchServer implements AutoCloseable {

  final TaplineServer server;
  final String adminKey;
  private final EmbeddedClickHouse engine;
  private final Path dataDir;

  private BenchServer(EmbeddedClickHouse engine, TaplineServer server, String adminKey, Path dataDir) {
    this.engine = engine;
    this.server = server;
    this.adminKey = adminKey;
    this.dataDir = dataDir;
  }

  /** Starts engine and server; {@code database} also names the data directory. */
  static BenchServer start(String database, String... flags) throws IOException {
    Path dataDir = Files.createTempDirectory("tapline-" + database);
    String adminKey = ApiKeys.generate().key();
    List<String> all = new ArrayList<>(List.of("--auth.bootstrap-admin-key=" + adminKey));
    all.add("--ingest.rate-limit-per-second=0");
    all.addAll(List.of(flags));
    EmbeddedClickHouse engine = null;
    try {
      engine = EmbeddedClickHouse.start(SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60));
      TaplineServer server =
          TaplineServer.start(
              ConfigLoader.load(all.toArray(String[]::new))
                  .withPort(0)
                  .withClickHouse(engine.jdbcUrl(), engine.user(), engine.password(), database));
      return new BenchServer(engine, server, adminKey, dataDir);
    } catch (RuntimeException e) {
      if (engine != null) {
        engine.close();
      }
      TempDirs.deleteTree(dataDir);
      throw e;
    }
  }

  int port() {
    return server.port();
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
      server.close();
    } finally {
      engine.close();
      TempDirs.deleteTree(dataDir);
    }
  }
}
