package io.tapline.server.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads {@link TaplineConfig}. Every key has a documented default in the bundled {@code
 * tapline.properties}; a file named by {@code --config=PATH} (or {@code TAPLINE_CONFIG}), then
 * environment variables ({@code server.port} → {@code TAPLINE_SERVER_PORT}), then flags ({@code
 * --server.port=9090}) override it. Unknown keys and bad values stop the start with a message
 * naming the key.
 */
public final class ConfigLoader {

  static final String DEFAULTS_RESOURCE = "/tapline.properties";

  private ConfigLoader() {}

  /** Loads from the bundled defaults, the process environment and the given flags. */
  public static TaplineConfig load(String[] args) {
    return load(args, System.getenv());
  }

  static TaplineConfig load(String[] args, Map<String, String> env) {
    Properties defaults = defaults();
    Properties merged = new Properties();
    merged.putAll(defaults);

    Map<String, String> flags = parseFlags(args);
    String configFile = flags.getOrDefault("config", env.get("TAPLINE_CONFIG"));
    if (configFile != null && !configFile.isBlank()) {
      Properties file = readFile(Path.of(configFile));
      checkKnown(file.stringPropertyNames(), defaults, "in " + configFile);
      merged.putAll(file);
    }
    for (String key : defaults.stringPropertyNames()) {
      String value = env.get(envName(key));
      if (value != null) {
        merged.setProperty(key, value);
      }
    }
    flags.remove("config");
    checkKnown(flags.keySet(), defaults, "on the command line");
    merged.putAll(flags);
    return bind(merged, env);
  }

  /** The environment variable that overrides a key. */
  public static String envName(String key) {
    return "TAPLINE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The bundled defaults, one documented entry per key. */
  public static Properties defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath");
      }
      Properties properties = new Properties();
      try (Reader reader = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
        properties.load(reader);
      }
      return properties;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read " + DEFAULTS_RESOURCE, e);
    }
  }

  private static Properties readFile(Path path) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new ConfigException(
          "Cannot read the configuration file " + path + ": " + e.getMessage());
    }
    return properties;
  }

  private static Map<String, String> parseFlags(String[] args) {
    Map<String, String> flags = new java.util.LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new ConfigException("Flags take the form --key=value; got '" + arg + "'");
      }
      int eq = arg.indexOf('=');
      flags.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return flags;
  }

  /** Keys renamed since an earlier release, with their new names. */
  private static final Map<String, String> RENAMED =
      Map.of("clickhouse.pool-size", "query.max-concurrent");

  /** {@code value}, or half this machine's cores (at least 1) when it is 0. */
  private static int halfTheCoresIfZero(int value) {
    return value > 0 ? value : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  private static void checkKnown(Iterable<String> keys, Properties defaults, String where) {
    List<String> unknown = new ArrayList<>();
    for (String key : keys) {
      if (RENAMED.containsKey(key)) {
        unknown.add(key + " (now " + RENAMED.get(key) + ")");
      } else if (!defaults.containsKey(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(
          "Unknown configuration key(s) "
              + where
              + ": "
              + String.join(", ", unknown)
              + " (see tapline.properties for the keys)");
    }
  }

  private static TaplineConfig bind(Properties p, Map<String, String> env) {
    Values r = new Values(p, env);
    String database = r.string("clickhouse.database");
    if (!TaplineConfig.ClickHouse.DATABASE_NAME.matcher(database).matches()) {
      throw new ConfigException(
          "clickhouse.database must match "
              + TaplineConfig.ClickHouse.DATABASE_NAME.pattern()
              + "; got '"
              + database
              + "'");
    }
    String cluster = r.string("clickhouse.cluster");
    if (!cluster.isEmpty()) {
      if (!TaplineConfig.ClickHouse.DATABASE_NAME.matcher(cluster).matches()) {
        throw new ConfigException(
            "clickhouse.cluster must be a cluster name of letters, digits and _; got '"
                + cluster
                + "'");
      }
      if (r.string("clickhouse.url").isEmpty() || r.shards("clickhouse.shards").isEmpty()) {
        throw new ConfigException(
            "clickhouse.cluster needs clickhouse.url (the node Tapline reads through) and"
                + " clickhouse.shards (the JDBC URLs of every shard's replicas)");
      }
    } else if (!r.string("clickhouse.shards").isEmpty()) {
      throw new ConfigException("clickhouse.shards is set but clickhouse.cluster is not");
    } else if (r.bool("clickhouse.replicated")) {
      throw new ConfigException("clickhouse.replicated is true but clickhouse.cluster is not set");
    }
    return new TaplineConfig(
        new TaplineConfig.Server(
            r.integer("server.port", 0, 65535),
            r.list("server.cors-allowed-origins"),
            r.ports("server.extra-ports")),
        new TaplineConfig.ClickHouse(
            r.string("clickhouse.url"),
            r.string("clickhouse.user"),
            r.secret("clickhouse.password"),
            database,
            r.integer("clickhouse.internal-pool-size", 1, 256),
            r.string("clickhouse.cluster"),
            r.shards("clickhouse.shards"),
            r.bool("clickhouse.replicated")),
        new TaplineConfig.Embedded(
            r.path("embedded.library"),
            r.path("embedded.data-dir"),
            r.integer("embedded.http-port", 0, 65535),
            r.duration("embedded.start-timeout")),
        new TaplineConfig.Ingest(
            r.integer("ingest.max-batch-records", 1, 1_000_000),
            r.integer("ingest.max-message-bytes", 1024, Integer.MAX_VALUE),
            r.integer("ingest.max-url-length", 64, 1 << 20),
            r.integer("ingest.max-headers", 1, 10_000),
            r.integer("ingest.max-header-bytes", 16, 1 << 20),
            r.integer("ingest.max-body-bytes", 0, Integer.MAX_VALUE),
            r.integer("ingest.max-error-bytes", 64, Integer.MAX_VALUE),
            r.integer("ingest.max-tags", 0, 10_000),
            r.integer("ingest.max-tag-key-bytes", 1, 1 << 20),
            r.integer("ingest.max-tag-value-bytes", 1, 1 << 24),
            r.integer("ingest.max-query-params", 0, 10_000),
            r.integer("ingest.max-query-param-bytes", 16, 1 << 20),
            r.duration("ingest.max-future"),
            r.duration("ingest.max-past"),
            r.integer("ingest.default-retention-days", 1, 65_535),
            r.list("ingest.sensitive-headers"),
            r.list("ingest.sensitive-query-params"),
            r.list("ingest.sensitive-body-fields"),
            r.duration("ingest.service-cache-ttl"),
            r.integer("ingest.queue-records", 1, Integer.MAX_VALUE),
            r.longInteger("ingest.queue-bytes", 1 << 20, Long.MAX_VALUE),
            r.integer("ingest.commit-max-records", 1, 10_000_000),
            r.duration("ingest.commit-interval"),
            r.integer("ingest.commit-workers", 1, 64),
            r.duration("ingest.retry-after"),
            r.integer("ingest.stream-window-batches", 1, 1024),
            r.integer("ingest.rate-limit-per-second", 0, Integer.MAX_VALUE),
            r.positive("ingest.commit-timeout")),
        new TaplineConfig.Auth(
            r.secret("auth.bootstrap-admin-key"),
            r.duration("auth.cache-ttl"),
            r.integer("auth.cache-size", 1, 10_000_000),
            r.integer("auth.failures-per-minute", 0, 1_000_000)),
        new TaplineConfig.Log(
            r.oneOf("log.format", "text", "json"),
            r.oneOf("log.level", "ERROR", "WARN", "INFO", "DEBUG", "TRACE")),
        new TaplineConfig.Replay(
            r.duration("replay.timeout"),
            r.integer("replay.max-response-bytes", 1024, 64 * 1024 * 1024),
            r.integer("replay.max-redirects", 0, 20)),
        new TaplineConfig.Alerts(
            r.positive("alerts.evaluation-interval"),
            r.positive("alerts.rule-cache-ttl"),
            r.positive("alerts.event-poll-interval"),
            r.integer("alerts.subscriber-buffer", 1, 1_000_000),
            r.positive("alerts.subscriber-stall-timeout"),
            r.positive("alerts.heartbeat-interval"),
            r.integer("alerts.per-call-queue", 1, 1_000_000),
            r.integer("alerts.webhook-max-attempts", 1, 100),
            r.positive("alerts.webhook-initial-backoff"),
            r.positive("alerts.webhook-timeout"),
            r.string("alerts.replica-id"),
            r.integer("alerts.max-subscriptions-per-key", 1, 100_000),
            r.positive("alerts.key-check-interval")),
        new TaplineConfig.Outbound(r.list("outbound.allowed-hosts")),
        new TaplineConfig.Query(
            r.positive("query.timeout"),
            r.longInteger("query.max-memory-bytes", 0, Long.MAX_VALUE),
            halfTheCoresIfZero(r.integer("query.max-concurrent", 0, 256)),
            r.integer("query.max-concurrent-per-key", 1, 10_000),
            halfTheCoresIfZero(r.integer("query.max-threads", 0, 1024)),
            r.integer("query.nice", 0, 19),
            r.positive("query.export-timeout")),
        new TaplineConfig.Demo(
            r.bool("demo.enabled"),
            r.integer("demo.calls-per-second", 1, 5000),
            r.bool("demo.delete")),
        new TaplineConfig.Datasets(
            r.string("datasets.root").isEmpty()
                ? r.path("embedded.data-dir").resolve("datasets")
                : r.path("datasets.root"),
            r.positive("datasets.interval"),
            r.duration("datasets.lateness")));
  }

  /** Typed access to merged properties; each error names its key. */
  private record Values(Properties p, Map<String, String> env) {

    String string(String key) {
      return p.getProperty(key, "").trim();
    }

    int integer(String key, int min, int max) {
      return (int) longInteger(key, min, max);
    }

    long longInteger(String key, long min, long max) {
      String value = string(key);
      try {
        long parsed = Long.parseLong(value);
        if (parsed < min || parsed > max) {
          throw new ConfigException(
              key + " must be between " + min + " and " + max + "; got " + value);
        }
        return parsed;
      } catch (NumberFormatException e) {
        throw new ConfigException(key + " must be a whole number; got '" + value + "'");
      }
    }

    /** true or false, in any case. */
    boolean bool(String key) {
      return Boolean.parseBoolean(oneOf(key, "true", "false"));
    }

    String oneOf(String key, String... allowed) {
      String value = string(key);
      for (String candidate : allowed) {
        if (candidate.equalsIgnoreCase(value)) {
          return candidate;
        }
      }
      throw new ConfigException(
          key + " must be one of " + String.join(", ", allowed) + "; got '" + value + "'");
    }

    /** A comma-separated list; blanks dropped. */
    List<String> list(String key) {
      List<String> values = new ArrayList<>();
      for (String part : string(key).split(",")) {
        if (!part.isBlank()) {
          values.add(part.strip());
        }
      }
      return values;
    }

    /**
     * Shards separated by {@code ;}, each a comma-separated list of its replicas' JDBC URLs ({@code
     * jdbc:clickhouse://host:port}).
     */
    List<List<String>> shards(String key) {
      List<List<String>> shards = new ArrayList<>();
      for (String shard : string(key).split(";")) {
        if (shard.isBlank()) {
          continue;
        }
        List<String> replicas = new ArrayList<>();
        for (String url : shard.split(",")) {
          String replica = url.strip();
          if (!replica.matches("jdbc:clickhouse:(https?:)?//[^/?#\\s]+/?")) {
            throw new ConfigException(
                key
                    + " lists shards separated by ';', each the JDBC URLs of its replicas separated"
                    + " by ',' (jdbc:clickhouse://host:port, without a database); got '"
                    + replica
                    + "'");
          }
          replicas.add(replica);
        }
        shards.add(replicas);
      }
      return shards;
    }

    /** A comma-separated list of ports, each between 1 and 65535. */
    List<Integer> ports(String key) {
      List<Integer> ports = new ArrayList<>();
      for (String part : list(key)) {
        try {
          int port = Integer.parseInt(part);
          if (port < 1 || port > 65535) {
            throw new NumberFormatException();
          }
          ports.add(port);
        } catch (NumberFormatException e) {
          throw new ConfigException(
              key + " must list ports between 1 and 65535; got '" + part + "'");
        }
      }
      return ports;
    }

    Path path(String key) {
      String value = string(key);
      if (value.isEmpty()) {
        throw new ConfigException(key + " must not be empty");
      }
      if (value.startsWith("~/")) {
        value = System.getProperty("user.home") + value.substring(1);
      }
      return Path.of(value);
    }

    /** Durations as ISO-8601 (PT30S) or a number with ms, s, m, h or d. */
    Duration duration(String key) {
      String value = string(key);
      try {
        if (value.startsWith("P") || value.startsWith("p")) {
          return Duration.parse(value);
        }
        if (value.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
        }
        long amount = Long.parseLong(value.substring(0, value.length() - 1));
        return switch (value.charAt(value.length() - 1)) {
          case 's' -> Duration.ofSeconds(amount);
          case 'm' -> Duration.ofMinutes(amount);
          case 'h' -> Duration.ofHours(amount);
          case 'd' -> Duration.ofDays(amount);
          default -> throw new NumberFormatException();
        };
      } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
        throw new ConfigException(
            key
                + " must be a duration such as 500ms, 30s, 5m, 2h, 7d or PT1H; got '"
                + value
                + "'");
      }
    }

    /** A duration of at least a millisecond. */
    Duration positive(String key) {
      Duration value = duration(key);
      if (value.toMillis() < 1) {
        throw new ConfigException(key + " must be at least 1ms; got '" + string(key) + "'");
      }
      return value;
    }

    /** A secret: literal, {@code env:NAME} or {@code file:PATH}. */
    String secret(String key) {
      String value = string(key);
      if (value.startsWith("env:")) {
        String name = value.substring(4);
        String resolved = env.get(name);
        if (resolved == null) {
          throw new ConfigException(
              key + " refers to the environment variable " + name + ", which is not set");
        }
        return resolved;
      }
      if (value.startsWith("file:")) {
        Path file = Path.of(value.substring(5));
        try {
          return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
          throw new ConfigException(key + " refers to " + file + ", which cannot be read");
        }
      }
      return value;
    }
  }
}
