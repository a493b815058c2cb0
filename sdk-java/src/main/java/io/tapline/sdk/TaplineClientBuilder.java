package io.tapline.sdk;

import io.grpc.Channel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link TaplineClient}. Reads nothing from the environment: {@link
 * TaplineEnvironment} maps {@code TAPLINE_*} variables onto a builder, so the two stay separate.
 */
public final class TaplineClientBuilder {

  /** Where calls go when no endpoint is set: {@value}. */
  public static final String DEFAULT_ENDPOINT = "http://localhost:8080";

  /** The service name when none is set: {@value}. */
  public static final String DEFAULT_SERVICE_NAME = "unknown_service";

  /** Calls per batch: {@value}. */
  public static final int DEFAULT_BATCH_SIZE = 512;

  /** Calls held while Tapline is slow or away; more are dropped and counted: {@value}. */
  public static final int DEFAULT_QUEUE_CAPACITY = 2048;

  /** Longest wait before a partly filled batch is sent: 1 second. */
  public static final Duration DEFAULT_LINGER = Duration.ofSeconds(1);

  /** Longest wait for a batch's ack before the attempt counts as failed: 10 seconds. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  /** Bytes of a body kept; the original size is still reported: {@value}. */
  public static final int DEFAULT_MAX_BODY_BYTES = 8192;

  String endpoint = DEFAULT_ENDPOINT;
  String apiKey;
  Boolean tls;
  Path trustedCertificates;
  Channel channel;
  String serviceName = DEFAULT_SERVICE_NAME;
  int batchSize = DEFAULT_BATCH_SIZE;
  int queueCapacity = DEFAULT_QUEUE_CAPACITY;
  Duration linger = DEFAULT_LINGER;
  Duration deadline = DEFAULT_DEADLINE;
  RetryPolicy retryPolicy = RetryPolicy.defaults();
  int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  boolean captureBodies = true;
  final List<String> sensitiveHeaders = new ArrayList<>();
  final List<String> sensitiveFields = new ArrayList<>();
  final List<String> excludedPaths = new ArrayList<>();
  double sampleRate = CapturePolicy.DEFAULT_SAMPLE_RATE;
  Duration slowThreshold = CapturePolicy.DEFAULT_SLOW_THRESHOLD;

  TaplineClientBuilder() {}

  /**
   * The Tapline server, as {@code http://host:port} (plain text) or {@code https://host:port}
   * (TLS); a bare {@code host:port} is plain text unless {@link #tls} says otherwise.
   */
  public TaplineClientBuilder endpoint(String endpoint) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    return this;
  }

  /** The ingest API key, sent as {@code authorization: Bearer <key>}. */
  public TaplineClientBuilder apiKey(String apiKey) {
    this.apiKey = apiKey;
    return this;
  }

  /** Forces TLS on or off, whatever the endpoint's scheme. */
  public TaplineClientBuilder tls(boolean tls) {
    this.tls = tls;
    return this;
  }

  /** PEM certificates to trust instead of the system's (a private CA); implies TLS. */
  public TaplineClientBuilder trustedCertificates(Path pemFile) {
    this.trustedCertificates = pemFile;
    this.tls = true;
    return this;
  }

  /**
   * A channel to send over instead of one built from the endpoint. The client never shuts it down:
   * it closes only what it created.
   */
  public TaplineClientBuilder channel(Channel channel) {
    this.channel = channel;
    return this;
  }

  /** The name calls are recorded under when an integration does not name the service. */
  public TaplineClientBuilder serviceName(String serviceName) {
    this.serviceName = Objects.requireNonNull(serviceName, "serviceName");
    return this;
  }

  public TaplineClientBuilder batchSize(int batchSize) {
    this.batchSize = batchSize;
    return this;
  }

  public TaplineClientBuilder queueCapacity(int queueCapacity) {
    this.queueCapacity = queueCapacity;
    return this;
  }

  public TaplineClientBuilder linger(Duration linger) {
    this.linger = Objects.requireNonNull(linger, "linger");
    return this;
  }

  /** How long one attempt to send a batch may wait for its ack. */
  public TaplineClientBuilder deadline(Duration deadline) {
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    return this;
  }

  public TaplineClientBuilder retryPolicy(RetryPolicy retryPolicy) {
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    return this;
  }

  /** Bytes of each body kept (0 keeps none); the original size is still reported. */
  public TaplineClientBuilder maxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    return this;
  }

  /** Whether integrations capture bodies at all (default true). */
  public TaplineClientBuilder captureBodies(boolean captureBodies) {
    this.captureBodies = captureBodies;
    return this;
  }

  /**
   * Header names masked on top of the defaults ({@code authorization}, {@code cookie}, ...; the
   * server's list, {@link io.tapline.masking.Masker#DEFAULT_HEADERS}).
   */
  public TaplineClientBuilder sensitiveHeaders(String... names) {
    sensitiveHeaders.addAll(List.of(names));
    return this;
  }

  /**
   * Names of query parameters, JSON fields, form fields and tags masked on top of the defaults
   * ({@code password}, {@code secret}, {@code token}, ...; the server's lists). Names match as
   * tokens: {@code ssn} also masks {@code customer_ssn} (see {@link
   * io.tapline.masking.SensitiveNames}).
   */
  public TaplineClientBuilder sensitiveFields(String... names) {
    sensitiveFields.addAll(List.of(names));
    return this;
  }

  /** Paths never captured: exact, or prefixes ending in {@code *} ({@code /health*}). */
  public TaplineClientBuilder excludePaths(String... paths) {
    excludedPaths.addAll(List.of(paths));
    return this;
  }

  /** Share of successful, fast calls kept, in (0, 1]. Errors and slow calls are always kept. */
  public TaplineClientBuilder sampleRate(double sampleRate) {
    this.sampleRate = sampleRate;
    return this;
  }

  /** Calls at least this slow are always kept. */
  public TaplineClientBuilder slowThreshold(Duration slowThreshold) {
    this.slowThreshold = Objects.requireNonNull(slowThreshold, "slowThreshold");
    return this;
  }

  /** Checks the settings and starts the client's sender thread. */
  public TaplineClient build() {
    require(batchSize > 0, "batchSize must be positive");
    require(queueCapacity > 0, "queueCapacity must be positive");
    require(!linger.isNegative() && !linger.isZero(), "linger must be positive");
    require(!deadline.isNegative() && !deadline.isZero(), "deadline must be positive");
    require(maxBodyBytes >= 0, "maxBodyBytes must not be negative");
    return new TaplineClient(this);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
