package io.tapline.server.config;

import io.tapline.masking.Masker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The server's configuration, bound from {@code tapline.properties} (every key documented there), a
 * file given with {@code --config}, environment variables and command-line flags, in rising order
 * of precedence. See {@link ConfigLoader}.
 */
public record TaplineConfig(
    Server server,
    ClickHouse clickhouse,
    Embedded embedded,
    Ingest ingest,
    Auth auth,
    Log log,
    Replay replay,
    Alerts alerts,
    Outbound outbound,
    Query query,
    Demo demo,
    Datasets datasets) {

  /**
   * The port everything is served on (0 picks a free one), and the browser origins allowed to call
   * the API cross-origin (gRPC-Web and JSON from web pages); empty allows none, {@code *} any.
   */
  public record Server(int port, List<String> corsAllowedOrigins, List<Integer> extraPorts) {

    public Server {
      corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
      extraPorts = List.copyOf(extraPorts);
    }
  }

  /**
   * Where the data lives. An empty {@code url} runs the embedded engine; otherwise a JDBC URL of a
   * ClickHouse server. The password is resolved from {@code env:}/{@code file:} references and
   * never logged.
   *
   * @param cluster the name of a cluster in ClickHouse's {@code remote_servers}, or empty for one
   *     server: calls are then stored in the shards and read through {@code Distributed} tables
   * @param shards the cluster's shards, each the JDBC URLs of its replicas; empty without a cluster
   * @param replicated whether the cluster's tables are replicated by ClickHouse (Keeper)
   */
  public record ClickHouse(
      String url,
      String user,
      String password,
      String database,
      int internalPoolSize,
      String cluster,
      List<List<String>> shards,
      boolean replicated) {

    /** Database names Tapline accepts: the store writes them into SQL as they are. */
    public static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,57}");

    public ClickHouse {
      shards = shards.stream().map(List::copyOf).toList();
    }

    public boolean embedded() {
      return url.isBlank();
    }

    @Override
    public String toString() {
      return "ClickHouse[url="
          + url
          + ", user="
          + user
          + ", database="
          + database
          + ", internalPoolSize="
          + internalPoolSize
          + (cluster.isEmpty()
              ? ""
              : ", cluster=" + cluster + ", shards=" + shards + ", replicated=" + replicated)
          + "]";
    }
  }

  /** The embedded engine, used when no ClickHouse URL is configured. */
  public record Embedded(Path library, Path dataDir, int httpPort, Duration startTimeout) {}

  /**
   * The ingest path: limits, masking, retention, group commit and rate limits. Each component is
   * documented with its key in {@code tapline.properties}.
   */
  public record Ingest(
      int maxBatchRecords,
      int maxMessageBytes,
      int maxUrlLength,
      int maxHeaders,
      int maxHeaderBytes,
      int maxBodyBytes,
      int maxErrorBytes,
      int maxTags,
      int maxTagKeyBytes,
      int maxTagValueBytes,
      int maxQueryParams,
      int maxQueryParamBytes,
      Duration maxFuture,
      Duration maxPast,
      int defaultRetentionDays,
      List<String> sensitiveHeaders,
      List<String> sensitiveQueryParams,
      List<String> sensitiveBodyFields,
      Duration serviceCacheTtl,
      int queueRecords,
      long queueBytes,
      int commitMaxRecords,
      Duration commitInterval,
      int commitWorkers,
      Duration retryAfter,
      int streamWindowBatches,
      int rateLimitPerSecond,
      Duration commitTimeout) {

    public Ingest {
      sensitiveHeaders = List.copyOf(sensitiveHeaders);
      sensitiveQueryParams = List.copyOf(sensitiveQueryParams);
      sensitiveBodyFields = List.copyOf(sensitiveBodyFields);
    }

    /** The masker of the built-in sensitive names and those configured here. */
    public Masker masker() {
      return Masker.builder()
          .headers(sensitiveHeaders)
          .queryParams(sensitiveQueryParams)
          .bodyFields(sensitiveBodyFields)
          .build();
    }
  }

  /**
   * API keys. {@code cacheTtl} bounds how long a revoked key keeps working on any replica. The
   * bootstrap key is a secret (by reference) and never logged.
   */
  public record Auth(
      String bootstrapAdminKey, Duration cacheTtl, int cacheSize, int failuresPerMinute) {

    @Override
    public String toString() {
      return "Auth[cacheTtl="
          + cacheTtl
          + ", cacheSize="
          + cacheSize
          + ", failuresPerMinute="
          + failuresPerMinute
          + "]";
    }
  }

  /** Logging: {@code format} is text or json. */
  public record Log(String format, String level) {}

  /**
   * Outbound replays: how long one replay may take (all redirect hops together), the largest
   * response body kept, and how many redirects are followed when a request asks for it.
   */
  public record Replay(Duration timeout, int maxResponseBytes, int maxRedirects) {}

  /**
   * The alert engine. {@code ruleCacheTtl} bounds how long a rule change takes to reach every
   * replica; windowed rules are evaluated every {@code evaluationInterval}, aligned to the clock so
   * replicas evaluate the same slots; each replica reads new events every {@code eventPollInterval}
   * (its own at once). {@code replicaId} names this replica in stored events (empty: random).
   */
  public record Alerts(
      Duration evaluationInterval,
      Duration ruleCacheTtl,
      Duration eventPollInterval,
      int subscriberBuffer,
      Duration subscriberStallTimeout,
      Duration heartbeatInterval,
      int perCallQueue,
      int webhookMaxAttempts,
      Duration webhookInitialBackoff,
      Duration webhookTimeout,
      String replicaId,
      int maxSubscriptionsPerKey,
      Duration keyCheckInterval) {}

  /**
   * Requests Tapline sends (replays, webhooks) go only to public addresses, unless this list names
   * the host (any of its addresses) or the address: the operator's allow-list.
   */
  public record Outbound(List<String> allowedHosts) {

    public Outbound {
      allowedHosts = List.copyOf(allowedHosts);
    }
  }

  /**
   * Limits of client queries: the server-side time and memory limit of each; how many run at once,
   * in all and per API key; the engine threads each may use and their priority. {@code
   * maxConcurrent} and {@code maxThreads} are resolved (never 0 here).
   */
  public record Query(
      Duration timeout,
      long maxMemoryBytes,
      int maxConcurrent,
      int maxConcurrentPerKey,
      int maxThreads,
      int nice,
      Duration exportTimeout) {}

  /**
   * Sample traffic for a first look ({@code ./scripts/run --demo}): when {@code enabled}, Tapline
   * sends itself about {@code callsPerSecond} realistic calls a second through its own API, for
   * services, plans, customers and alert rules named {@code demo-...}. With {@code delete}, it
   * removes all of that at start, then runs as usual.
   */
  public record Demo(boolean enabled, int callsPerSecond, boolean delete) {}

  /**
   * Where datasets are written and how often: a local destination is a folder under {@code root}
   * (empty: {@code datasets} under the embedded engine's data directory); the writer looks for
   * closed days every {@code interval} and writes a day {@code lateness} after it ends.
   */
  public record Datasets(Path root, Duration interval, Duration lateness) {}

  /** A copy pointing at another ClickHouse server, user and database. */
  public TaplineConfig withClickHouse(String url, String user, String password, String database) {
    return withClickHouse(
        new ClickHouse(
            url, user, password, database, clickhouse.internalPoolSize(), "", List.of(), false));
  }

  /** A copy with other ClickHouse settings. */
  public TaplineConfig withClickHouse(ClickHouse clickhouse) {
    return new TaplineConfig(
        server,
        clickhouse,
        embedded,
        ingest,
        auth,
        log,
        replay,
        alerts,
        outbound,
        query,
        demo,
        datasets);
  }

  /** A copy listening on another port. */
  public TaplineConfig withPort(int port) {
    return new TaplineConfig(
        new Server(port, server.corsAllowedOrigins(), server.extraPorts()),
        clickhouse,
        embedded,
        ingest,
        auth,
        log,
        replay,
        alerts,
        outbound,
        query,
        demo,
        datasets);
  }
}
