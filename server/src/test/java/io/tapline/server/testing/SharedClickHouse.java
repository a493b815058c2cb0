package io.tapline.server.testing;

import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedClickHouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded ClickHouse engine for the whole test run, started on first use and stopped (its data
 * directory removed) when the test JVM exits. Test classes share it and each takes a fresh database
 * with {@link #newDatabase}.
 *
 * <p>The engine library comes from the {@code tapline.chdb.library} system property (set by the
 * build from {@code ./scripts/setup}'s cache).
 */
public final class SharedClickHouse {

  private static final AtomicInteger databases = new AtomicInteger();
  private static EmbeddedClickHouse engine;

  private SharedClickHouse() {}

  /** The shared engine, started on first call. */
  public static synchronized EmbeddedClickHouse engine() {
    if (engine == null) {
      Path dataDir;
      try {
        dataDir = Files.createTempDirectory("tapline-test-clickhouse");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      engine =
          EmbeddedClickHouse.start(
              new TaplineConfig.Embedded(library(), dataDir, 0, Duration.ofSeconds(60)));
      EmbeddedClickHouse started = engine;
      Path startedIn = dataDir;
      Runtime.getRuntime()
          .addShutdownHook(
              Thread.ofPlatform()
                  .unstarted(
                      () -> {
                        started.close();
                        TempDirs.deleteTree(startedIn);
                      }));
    }
    return engine;
  }

  /**
   * A store on the shared engine, in a new database of {@code testClass}; on the shared cluster
   * instead when the run names one ({@link EmbeddedCluster#LAYOUT_PROPERTY}).
   */
  public static io.tapline.server.storage.clickhouse.ClickHouseStorage openStorage(
      Class<?> testClass, int poolSize) {
    EmbeddedCluster cluster = EmbeddedCluster.ofLayoutProperty();
    if (cluster != null) {
      return cluster.openStorage(testClass, poolSize);
    }
    return io.tapline.server.storage.clickhouse.ClickHouseStorage.open(
        engine().jdbcUrl(), engine().user(), engine().password(), newDatabase(testClass), poolSize);
  }

  /**
   * {@code config} pointed at the shared engine, in {@code database}; at the shared cluster instead
   * when the run names one ({@link EmbeddedCluster#LAYOUT_PROPERTY}).
   */
  public static io.tapline.server.config.TaplineConfig on(
      io.tapline.server.config.TaplineConfig config, String database) {
    EmbeddedCluster cluster = EmbeddedCluster.ofLayoutProperty();
    if (cluster != null) {
      return cluster.on(config, database);
    }
    return config.withClickHouse(
        engine().jdbcUrl(), engine().user(), engine().password(), database);
  }

  /** The engine library the tests use. */
  public static Path library() {
    String configured = System.getProperty("tapline.chdb.library");
    if (configured == null || configured.isBlank()) {
      configured =
          System.getProperty("user.home") + "/.cache/tapline/chdb/26.7.3-stable.1/libchdb.so";
    }
    return Path.of(configured);
  }

  /** A database name no other test class uses, for example {@code t3_taplineserverit}. */
  public static String newDatabase(Class<?> testClass) {
    String name = testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    return "t" + databases.incrementAndGet() + "_" + name + "_" + ProcessHandle.current().pid();
  }
}
