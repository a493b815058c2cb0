package io.tapline.server.embedded;

import io.tapline.server.config.TaplineConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
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
 * <p>The child's standard input is a pipe held by this process: when the server exits, even when it
 * is killed, the pipe closes and the engine stops, so no orphan engine survives the server. When
 * the engine dies while the server runs, it is started again on the same port, data directory and
 * credentials, so connection pools keep their URL.
 *
 * <p><b>Credentials.</b> The engine answers only requests that carry its credentials: user {@value
 * #USER} and a password generated at start, held in memory only. clickhouse-local runs its own
 * query as the user {@code default}, which must exist without a password, so the HTTP interface
 * serves only requests authenticated as {@value #USER}: every other request (any user, any
 * password, none) is answered 404 by ClickHouse's HTTP handler rules, {@code /ping} excepted.
 * Without this, anything on the host that reached the loopback port could run SQL, and
 * clickhouse-local reads any file the server can ({@code file('/etc/passwd')}). The password
 * reaches the engine in configuration files readable by this user only, deleted once the engine
 * answers; it is never printed or logged.
 *
 * <p><b>One server per data directory.</b> A lock on {@value #LOCK_FILE} in the data directory is
 * held while the engine runs; a second server on the same directory stops at once, naming it.
 */
public final class EmbeddedClickHouse implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(EmbeddedClickHouse.class);

  /** How long to wait between two restarts of an engine that keeps dying: {@value} ms. */
  static final long RESTART_BACKOFF_MILLIS = 1_000;

  /** What to run when the engine library is missing. */
  public static final String SETUP_HINT = "run ./scripts/setup to fetch it";

  /** The user Tapline connects as. */
  public static final String USER = "tapline";

  /** The lock file of a data directory in use, in that directory. */
  static final String LOCK_FILE = "tapline.lock";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path library;
  private final Path dataDir;
  private final Duration startTimeout;
  private final int port;
  private final int tcpPort;
  private final String clusterConfig;
  private final String password;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final ExecutorService supervisor =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("tapline-engine-supervisor").daemon().factory());
  private final Object monitor = new Object();
  private Process process; // guarded by monitor
  private boolean closed; // guarded by monitor
  private boolean starting = true; // guarded by monitor
  private int restarts; // guarded by monitor

  private EmbeddedClickHouse(
      Path library,
      Path dataDir,
      int port,
      int tcpPort,
      String clusterConfig,
      Duration startTimeout,
      String password,
      FileChannel lockChannel,
      FileLock lock) {
    this.library = library;
    this.dataDir = dataDir;
    this.port = port;
    this.tcpPort = tcpPort;
    this.clusterConfig = clusterConfig;
    this.startTimeout = startTimeout;
    this.password = password;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Starts an engine and waits until it answers: the library {@code libchdb.so}, the data directory
   * (created when missing), the loopback port of its HTTP interface (0 for a free one) and how long
   * to wait are the settings' ({@code embedded.*} in {@code tapline.properties}).
   *
   * @throws EmbeddedEngineException when the library is missing or the engine does not start
   */
  public static EmbeddedClickHouse start(TaplineConfig.Embedded settings) {
    return start(settings, newPassword());
  }

  /**
   * Starts an engine with the given password, as a supervisor that restarts one would.
   *
   * @see #start(TaplineConfig.Embedded)
   */
  public static EmbeddedClickHouse start(TaplineConfig.Embedded settings, String password) {
    return start(settings, password, 0, "");
  }

  /**
   * Starts an engine that is one node of a cluster of embedded engines, for tests and benchmarks on
   * one machine: besides HTTP it serves ClickHouse's native protocol on loopback port {@code
   * tcpPort}, which the other nodes' {@code Distributed} tables use, and {@code clusterConfig} (XML
   * elements: {@code remote_servers}, {@code macros}...) is added to its configuration.
   */
  public static EmbeddedClickHouse startNode(
      TaplineConfig.Embedded settings, String password, int tcpPort, String clusterConfig) {
    if (tcpPort <= 0) {
      throw new IllegalArgumentException("A node of a cluster needs its TCP port");
    }
    return start(settings, password, tcpPort, clusterConfig);
  }

  private static EmbeddedClickHouse start(
      TaplineConfig.Embedded settings, String password, int tcpPort, String clusterConfig) {
    Path library = settings.library();
    Path dataDir = settings.dataDir();
    int httpPort = settings.httpPort();
    Duration startTimeout = settings.startTimeout();
    if (!Files.isReadable(library)) {
      throw new EmbeddedEngineException(
          "The embedded ClickHouse library is missing (" + library + "): " + SETUP_HINT + ".");
    }
    Path dir = dataDir.toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new EmbeddedEngineException("Cannot create the data directory " + dir, e);
    }
    FileChannel channel;
    FileLock fileLock;
    try {
      channel =
          FileChannel.open(
              dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        fileLock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        fileLock = null; // held by this JVM
      }
    } catch (IOException e) {
      throw new EmbeddedEngineException("Cannot lock the data directory " + dir, e);
    }
    if (fileLock == null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Nothing held.
      }
      throw new EmbeddedEngineException(
          "The data directory "
              + dir
              + " is in use by another Tapline server (it holds "
              + dir.resolve(LOCK_FILE)
              + "); stop that server, or give this one another"
              + " directory with embedded.data-dir.");
    }
    int port = httpPort != 0 ? httpPort : freePort();
    EmbeddedClickHouse engine =
        new EmbeddedClickHouse(
            library.toAbsolutePath(),
            dir,
            port,
            tcpPort,
            clusterConfig,
            startTimeout,
            password,
            channel,
            fileLock);
    try {
      synchronized (engine.monitor) {
        engine.launch();
      }
      engine.awaitReady();
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    logger.info("Embedded ClickHouse ready on 127.0.0.1:{} with data in {}", port, dir);
    return engine;
  }

  /** The user the server connects as: {@value #USER}. */
  public String user() {
    return USER;
  }

  /** The engine's password, generated at start. Never log it. */
  public String password() {
    return password;
  }

  private static String newPassword() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
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
    synchronized (monitor) {
      return process != null && process.isAlive() ? process.pid() : -1;
    }
  }

  /** How many times the engine was started again after it died. */
  public int restarts() {
    synchronized (monitor) {
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

  // Called with the monitor held.
  private void launch() {
    Path config = writeConfig();
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
    command.add("--config-file=" + config);
    if (tcpPort > 0) {
      // The port alone does not open the native listener: the query does.
      command.add("--tcp_port=" + tcpPort);
    }
    command.add(
        "--query=SYSTEM START LISTEN HTTP; "
            + (tcpPort > 0 ? "SYSTEM START LISTEN TCP; " : "")
            + "SELECT * FROM file('/dev/stdin', 'LineAsString') FORMAT Null");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectErrorStream(true);
    builder.redirectOutput(
        ProcessBuilder.Redirect.appendTo(dataDir.resolve("engine.log").toFile()));
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
    synchronized (monitor) {
      if (closed || starting || exited != process) {
        return; // during start, awaitReady reports the exit
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
    synchronized (monitor) {
      if (closed || exited != process) {
        return;
      }
      try {
        launch();
      } catch (EmbeddedEngineException e) {
        logger.error("Embedded ClickHouse could not be started again", e);
        return;
      }
    }
    // Its configuration holds the password: removed once the engine has read it.
    long deadline = System.nanoTime() + startTimeout.toNanos();
    while (!isHealthy() && System.nanoTime() < deadline && !isClosed()) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    deleteConfig();
  }

  private boolean isClosed() {
    synchronized (monitor) {
      return closed;
    }
  }

  /**
   * Writes the engine's configuration into a directory only this user may read: the user {@value
   * #USER} with the password's SHA-256, and HTTP handler rules that serve only requests
   * authenticated as that user (by basic authentication or ClickHouse's own headers) and {@code
   * /ping}.
   */
  private Path writeConfig() {
    Path dir = dataDir.resolve(".engine");
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    String handler =
        "<handler><type>dynamic_query_handler</type><query_param_name>query</query_param_name>"
            + "</handler>";
    String config =
        "<clickhouse>\n"
            + "  <user_directories><users_xml><path>"
            + dir.resolve("users.xml")
            + "</path></users_xml></user_directories>\n"
            + "  <http_handlers>\n"
            + "    <rule><headers><Authorization>"
            + basic
            + "</Authorization></headers>"
            + handler
            + "</rule>\n"
            + "    <rule><headers><X-ClickHouse-User>"
            + USER
            + "</X-ClickHouse-User>"
            + "<X-ClickHouse-Key>"
            + password
            + "</X-ClickHouse-Key></headers>"
            + handler
            + "</rule>\n"
            + "    <rule><url>/ping</url><methods>GET,HEAD</methods><handler><type>static</type>"
            + "<status>200</status><response_content>Ok.</response_content></handler></rule>\n"
            + "  </http_handlers>\n"
            + clusterConfig
            + "</clickhouse>\n";
    // clickhouse-local runs its own query as 'default', without a password: the handler rules
    // keep it off the HTTP interface.
    String users =
        "<clickhouse>\n"
            + "  <users>\n"
            + "    <default><no_password/><networks><ip>::1</ip><ip>127.0.0.1</ip></networks>"
            + "<profile>default</profile><quota>default</quota></default>\n"
            + "    <"
            + USER
            + "><password_sha256_hex>"
            + sha256(password)
            + "</password_sha256_hex><networks><ip>::1</ip><ip>127.0.0.1</ip></networks>"
            + "<profile>default</profile><quota>default</quota></"
            + USER
            + ">\n"
            + "  </users>\n"
            + "  <profiles><default/></profiles>\n"
            + "  <quotas><default/></quotas>\n"
            + "</clickhouse>\n";
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
      }
      Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
      writePrivate(dir.resolve("users.xml"), users);
      writePrivate(dir.resolve("config.xml"), config);
    } catch (IOException e) {
      throw new EmbeddedEngineException("Cannot write the embedded ClickHouse configuration", e);
    }
    return dir.resolve("config.xml");
  }

  private static final java.util.Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");

  private static void writePrivate(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private void deleteConfig() {
    Path dir = dataDir.resolve(".engine");
    try {
      Files.deleteIfExists(dir.resolve("config.xml"));
      Files.deleteIfExists(dir.resolve("users.xml"));
    } catch (IOException e) {
      logger.warn(
          "Could not remove the embedded engine's configuration from {}: {}", dir, e.toString());
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (isHealthy()) {
        synchronized (monitor) {
          starting = false;
        }
        deleteConfig();
        return;
      }
      synchronized (monitor) {
        if (process != null && !process.isAlive()) {
          throw new EmbeddedEngineException(
              "The embedded ClickHouse exited during start with code "
                  + process.exitValue()
                  + lastLogLine()
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
    throw new EmbeddedEngineException(
        "The embedded ClickHouse did not answer within "
            + startTimeout
            + lastLogLine()
            + "; see "
            + dataDir.resolve("engine.log"));
  }

  /** The last line the engine wrote, as ": line", or empty. Reads only the log's end. */
  private String lastLogLine() {
    try (FileChannel log = FileChannel.open(dataDir.resolve("engine.log"))) {
      int tail = (int) Math.min(log.size(), LOG_TAIL_BYTES);
      ByteBuffer bytes = ByteBuffer.allocate(tail);
      log.read(bytes, log.size() - tail);
      String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "" : ": " + text.substring(text.lastIndexOf('\n') + 1).strip();
    } catch (IOException | RuntimeException e) {
      return ""; // no log: nothing to add
    }
  }

  /** How much of the end of the engine's log is read for its last line: {@value} bytes. */
  private static final int LOG_TAIL_BYTES = 8192;

  /**
   * Stops the engine: closes its input so it exits cleanly, and kills it if it does not; then
   * releases the data directory.
   */
  @Override
  public void close() {
    Process toStop;
    synchronized (monitor) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = process;
    }
    supervisor.shutdown();
    try {
      stop(toStop);
    } finally {
      deleteConfig();
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        logger.warn("Could not release the lock of {}: {}", dataDir, e.toString());
      }
    }
  }

  private static void stop(Process toStop) {
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
