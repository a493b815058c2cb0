package io.tapline.server.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ClickHouse engine run from chDB's {@code libchdb.so} in a supervised child process, serving
 * ClickHouse's HTTP interface on a loopback port.
 *
 * <p>The child's standard input is a pipe held by this process: when the server exits, even when
 * it is killed, the pipe closes and the engine stops, so no orphan engine survives the server.
 * When the engine dies while the server runs, it is started again on the same port and data
 * directory, so connection pools keep their URL.
 */
public final class EmbeddedClickHouse implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(EmbeddedClickHouse.class);

  /** How long to wait between two restarts of an engine that keeps dying: {@value} ms. */
  static final long RESTART_BACKOFF_MILLIS = 1_000;

  /** What to run when the engine library is missing. */
  public static final String SETUP_HINT = "run ./scripts/setup to fetch it";

  private final Path library;
  private final Path dataDir;
  private final Duration startTimeout;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final ExecutorService supervisor =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("tapline-engine-supervisor").daemon().factory());
  private final Object lock = new Object();
  private Process process; // guarded by lock
  private boolean closed; // guarded by lock
  private int restarts; // guarded by lock

  private EmbeddedClickHouse(Path library, Path dataDir, int port, Duration startTimeout) {
    this.library = library;
    this.dataDir = dataDir;
    this.port = port;
    this.startTimeout = startTimeout;
  }

  /**
   * Starts an engine and waits until it answers.
   *
   * @param library path of {@code libchdb.so}
   * @param dataDir where the engine keeps its data; created when missing
   * @param httpPort loopback port of its HTTP interface, or 0 for a free one
   * @throws EmbeddedEngineException when the library is missing or the engine does not start
   */
  public static EmbeddedClickHouse start(
      Path library, Path dataDir, int httpPort, Duration startTimeout) {
    if (!Files.isReadable(library)) {
      throw new EmbeddedEngineException(
          "The embedded ClickHouse library is missing (" + library + "): " + SETUP_HINT + ".");
    }
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new EmbeddedEngineException("Cannot create the data directory " + dataDir, e);
    }
    int port = httpPort != 0 ? httpPort : freePort();
    EmbeddedClickHouse engine =
        new EmbeddedClickHouse(library.toAbsolutePath(), dataDir.toAbsolutePath(), port, startTimeout);
    synchronized (engine.lock) {
      engine.launch();
    }
    engine.awaitReady();
    logger.info("Embedded ClickHouse ready on 127.0.0.1:{} with data in {}", port, engine.dataDir);
    return engine;
  }

  /** The JDBC URL of the engine's HTTP interface, without a database. */
  public String jdbcUrl() {
    return "jdbc:clickhouse://127.0.0.1:" + port;
  }

  public int httpPort() {
    return port;
  }

  /** The process id of the running engine, or -1 while none runs. */
  public long pid() {
    synchronized (lock) {
      return process != null && process.isAlive() ? process.pid() : -1;
    }
  }

  /** How many times the engine was started again after it died. */
  public int restarts() {
    synchronized (lock) {
      return restarts;
    }
  }

  /** True when the engine answers {@code /ping}. */
  public boolean isHealthy() {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // Called with lock held.
  private void launch() {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // The engine's memory is native; the hosting JVM needs little heap.
    command.add("-Xmx64m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ChdbProcessMain.class.getName());
    command.add(library.toString());
    command.add("clickhouse");
    command.add("--path=" + dataDir);
    command.add("--http_port=" + port);
    command.add("--listen_host=127.0.0.1");
    command.add(
        "--query=SYSTEM START LISTEN HTTP; "
            + "SELECT * FROM file('/dev/stdin', 'LineAsString') FORMAT Null");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("engine.log").toFile()));
    // stdin stays a pipe (the default): its write end lives only in this process.
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new EmbeddedEngineException("Cannot start the embedded ClickHouse process", e);
    }
    Process started = process;
    // Its own thread: on a small machine the common pool may be busy for long.
    started.onExit().thenRunAsync(() -> onExit(started), supervisor);
  }

  private void onExit(Process exited) {
    synchronized (lock) {
      if (closed || exited != process) {
        return;
      }
      logger.warn(
          "Embedded ClickHouse exited with code {}; starting it again (see {})",
          exited.exitValue(),
          dataDir.resolve("engine.log"));
      restarts++;
    }
    // Back off outside the lock, then start again unless closed meanwhile.
    try {
      Thread.sleep(RESTART_BACKOFF_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    synchronized (lock) {
      if (closed || exited != process) {
        return;
      }
      try {
        launch();
      } catch (EmbeddedEngineException e) {
        logger.error("Embedded ClickHouse could not be started again", e);
      }
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (isHealthy()) {
        return;
      }
      synchronized (lock) {
        if (process != null && !process.isAlive() && restarts == 0) {
          throw new EmbeddedEngineException(
              "The embedded ClickHouse exited during start with code "
                  + process.exitValue()
                  + "; see "
                  + dataDir.resolve("engine.log"));
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EmbeddedEngineException("Interrupted while starting the embedded ClickHouse", e);
      }
    }
    close();
    throw new EmbeddedEngineException(
        "The embedded ClickHouse did not answer within " + startTimeout + "; see "
            + dataDir.resolve("engine.log"));
  }


  /** Stops the engine: closes its input so it exits cleanly, and kills it if it does not. */
  @Override
  public void close() {
    Process toStop;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = process;
    }
    supervisor.shutdown();
    if (toStop == null) {
      return;
    }
    try (OutputStream stdin = toStop.getOutputStream()) {
      // Closing the pipe ends the engine's query; it then shuts down on its own.
    } catch (IOException ignored) {
      // Already closed: the process is gone or going.
    }
    try {
      if (!toStop.waitFor(15, TimeUnit.SECONDS)) {
        logger.warn("Embedded ClickHouse did not stop within 15 s; killing it");
        toStop.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      toStop.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new EmbeddedEngineException("Cannot find a free loopback port", e);
    }
  }
}
