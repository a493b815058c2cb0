package io.tapline.sdk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Builds a client from {@code TAPLINE_*} environment variables, kept apart from {@link
 * TaplineClientBuilder} as OpenTelemetry keeps its autoconfiguration apart from its SDK. Unset
 * variables leave the builder's defaults; a malformed one fails with its name.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><td>TAPLINE_ENDPOINT</td><td>http://host:port or https://host:port</td></tr>
 *   <tr><td>TAPLINE_API_KEY</td><td>the ingest key</td></tr>
 *   <tr><td>TAPLINE_SERVICE_NAME</td><td>service name for captured calls</td></tr>
 *   <tr><td>TAPLINE_TLS</td><td>true or false, whatever the endpoint's scheme</td></tr>
 *   <tr><td>TAPLINE_TLS_CA_FILE</td><td>PEM certificates to trust</td></tr>
 *   <tr><td>TAPLINE_BATCH_SIZE, TAPLINE_QUEUE_CAPACITY</td><td>counts</td></tr>
 *   <tr><td>TAPLINE_LINGER, TAPLINE_DEADLINE, TAPLINE_SLOW_THRESHOLD</td>
 *       <td>durations: 250ms, 5s, 1m (a bare number is milliseconds)</td></tr>
 *   <tr><td>TAPLINE_MAX_BODY_BYTES</td><td>bytes of a body kept; 0 captures no bodies</td></tr>
 *   <tr><td>TAPLINE_SAMPLE_RATE</td><td>share of successful calls kept, in (0, 1]</td></tr>
 *   <tr><td>TAPLINE_EXCLUDE_PATHS</td><td>comma-separated paths, * as a prefix wildcard</td></tr>
 *   <tr><td>TAPLINE_SENSITIVE_HEADERS, TAPLINE_SENSITIVE_FIELDS</td>
 *       <td>comma-separated names masked on top of the defaults</td></tr>
 * </table>
 */
public final class TaplineEnvironment {

  private TaplineEnvironment() {}

  /** A client configured from the process environment. */
  public static TaplineClient clientFromEnvironment() {
    return builder(System.getenv()).build();
  }

  /** A builder configured from {@code env}, to adjust further in code. */
  public static TaplineClientBuilder builder(Map<String, String> env) {
    TaplineClientBuilder b = TaplineClient.builder();
    set(env, "TAPLINE_ENDPOINT", Function.identity(), b::endpoint);
    set(env, "TAPLINE_API_KEY", Function.identity(), b::apiKey);
    set(env, "TAPLINE_SERVICE_NAME", Function.identity(), b::serviceName);
    set(env, "TAPLINE_TLS", TaplineEnvironment::bool, b::tls);
    set(env, "TAPLINE_TLS_CA_FILE", Path::of, b::trustedCertificates);
    set(env, "TAPLINE_BATCH_SIZE", Integer::parseInt, b::batchSize);
    set(env, "TAPLINE_QUEUE_CAPACITY", Integer::parseInt, b::queueCapacity);
    set(env, "TAPLINE_LINGER", TaplineEnvironment::duration, b::linger);
    set(env, "TAPLINE_DEADLINE", TaplineEnvironment::duration, b::deadline);
    set(env, "TAPLINE_SLOW_THRESHOLD", TaplineEnvironment::duration, b::slowThreshold);
    set(env, "TAPLINE_MAX_BODY_BYTES", Integer::parseInt, b::maxBodyBytes);
    set(env, "TAPLINE_SAMPLE_RATE", Double::parseDouble, b::sampleRate);
    set(env, "TAPLINE_EXCLUDE_PATHS", TaplineEnvironment::list, b::excludePaths);
    set(env, "TAPLINE_SENSITIVE_HEADERS", TaplineEnvironment::list, b::sensitiveHeaders);
    set(env, "TAPLINE_SENSITIVE_FIELDS", TaplineEnvironment::list, b::sensitiveFields);
    return b;
  }

  private static <T> void set(
      Map<String, String> env, String name, Function<String, T> parse, Consumer<T> apply) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return;
    }
    T parsed;
    try {
      parsed = parse.apply(value.strip());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          name + " is not valid: '" + (name.equals("TAPLINE_API_KEY") ? "***" : value) + "'", e);
    }
    apply.accept(parsed);
  }

  static Duration duration(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    if (v.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    }
    if (v.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    if (v.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    return Duration.ofMillis(Long.parseLong(v));
  }

  private static boolean bool(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException("expected true or false");
    };
  }

  private static String[] list(String value) {
    return Arrays.stream(value.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .toArray(String[]::new);
  }
}
