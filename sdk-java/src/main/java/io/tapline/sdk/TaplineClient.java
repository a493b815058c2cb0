package io.tapline.sdk;

import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.tapline.masking.Masker;
import io.tapline.proto.v1.IngestServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ships captured API calls to Tapline. Build one per process, hand it to the capture integrations,
 * and close it at shutdown:
 *
 * <pre>{@code
 * TaplineClient tapline = TaplineClient.builder()
 *     .endpoint("https://tapline.internal:8080")
 *     .apiKey(System.getenv("TAPLINE_API_KEY"))
 *     .serviceName("checkout")
 *     .build();
 * // or: TaplineClient tapline = TaplineEnvironment.clientFromEnvironment();
 * }</pre>
 *
 * <p>{@link #record} never blocks and never throws: when Tapline is slow or away, calls wait in a
 * bounded queue, and once it is full further calls are dropped and counted ({@link #counters}).
 * Masking and the conversion to the wire format happen on the sender thread.
 */
public final class TaplineClient implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(TaplineClient.class.getName());

  /** How long {@link #close()} waits for queued calls to be sent: 5 seconds. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final CapturePolicy policy;
  private final BatchSender sender;
  private final ManagedChannel ownedChannel;
  private final String serviceName;
  private final int maxBodyBytes;
  private final boolean captureBodies;

  TaplineClient(TaplineClientBuilder b) {
    this.policy = new CapturePolicy(List.copyOf(b.excludedPaths), b.sampleRate, b.slowThreshold);
    this.serviceName = b.serviceName;
    this.maxBodyBytes = b.captureBodies ? b.maxBodyBytes : 0;
    this.captureBodies = b.captureBodies && b.maxBodyBytes > 0;
    Channel channel = b.channel;
    this.ownedChannel = channel == null ? newChannel(b) : null;
    if (channel == null) {
      channel = ownedChannel;
    }
    if (b.apiKey != null && !b.apiKey.isEmpty()) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + b.apiKey);
      channel =
          ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    CallConverter converter =
        new CallConverter(
            b.serviceName,
            Masker.builder()
                .headers(b.sensitiveHeaders)
                .queryParams(b.sensitiveFields)
                .bodyFields(b.sensitiveFields)
                .build(),
            b.maxBodyBytes);
    this.sender =
        new BatchSender(
            b.queueCapacity,
            b.batchSize,
            b.linger,
            b.deadline,
            b.retryPolicy,
            converter::toProto,
            new IngestStream(IngestServiceGrpc.newStub(channel)),
            // Our backoff, not the channel's (which grows to minutes), decides when to reconnect.
            ownedChannel == null ? () -> {} : ownedChannel::resetConnectBackoff);
  }

  public static TaplineClientBuilder builder() {
    return new TaplineClientBuilder();
  }

  private static ManagedChannel newChannel(TaplineClientBuilder b) {
    String endpoint = b.endpoint.contains("://") ? b.endpoint : "http://" + b.endpoint;
    URI uri = URI.create(endpoint);
    boolean tls = b.tls != null ? b.tls : "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    ChannelCredentials credentials;
    if (!tls) {
      credentials = InsecureChannelCredentials.create();
    } else if (b.trustedCertificates != null) {
      try {
        credentials =
            TlsChannelCredentials.newBuilder().trustManager(b.trustedCertificates.toFile()).build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + b.trustedCertificates, e);
      }
    } else {
      credentials = TlsChannelCredentials.create();
    }
    return Grpc.newChannelBuilderForAddress(uri.getHost(), port, credentials)
        .userAgent("tapline-sdk-java")
        .build();
  }

  /**
   * Queues a finished call, unless sampling leaves it out. Never blocks and never throws; returns
   * whether the call was queued (false when sampled out, dropped or the client is closed).
   */
  public boolean record(CapturedCall call) {
    try {
      double rate = policy.keepRate(call);
      if (rate == 0) {
        sender.sampledOut.increment();
        return false;
      }
      call.sampleRate = rate;
      return sender.offer(call);
    } catch (RuntimeException e) {
      sender.dropped.increment();
      logger.log(Level.FINE, "Tapline could not record a call", e);
      return false;
    }
  }

  /** Whether calls to this path are never captured; integrations ask before capturing. */
  public boolean excludes(String path) {
    return policy.excludes(path);
  }

  /** Whether integrations should capture bodies. */
  public boolean capturesBodies() {
    return captureBodies;
  }

  /** Bytes of each body integrations keep (0 when bodies are not captured). */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** The name calls are recorded under by default. */
  public String serviceName() {
    return serviceName;
  }

  public CapturePolicy policy() {
    return policy;
  }

  public TaplineCounters counters() {
    return new TaplineCounters(
        sender.recorded.sum(),
        sender.sent.get(),
        sender.acknowledged.get(),
        sender.rejected.get(),
        sender.retried.get(),
        sender.dropped.sum(),
        sender.sampledOut.sum());
  }

  /** Calls waiting in the queue (not counting the batch being sent). */
  public int queued() {
    return sender.queued();
  }

  /**
   * Sends every call queued so far and waits for their acks, at most {@code timeout}. True when all
   * were answered in time.
   */
  public boolean flush(Duration timeout) {
    return sender.flush(timeout);
  }

  /**
   * Stops taking calls, sends what is queued within {@code timeout}, then stops; calls not sent by
   * then are counted as dropped. Shuts down the channel only when the client created it. True when
   * everything queued was answered.
   */
  public boolean close(Duration timeout) {
    long start = System.nanoTime();
    boolean clean = sender.shutdown(timeout);
    if (ownedChannel != null) {
      ownedChannel.shutdown();
      try {
        long left = timeout.toNanos() - (System.nanoTime() - start);
        if (!ownedChannel.awaitTermination(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
          ownedChannel.shutdownNow();
        }
      } catch (InterruptedException e) {
        ownedChannel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    return clean;
  }

  /** {@link #close(Duration)} with {@link #DEFAULT_CLOSE_TIMEOUT}. */
  @Override
  public void close() {
    close(DEFAULT_CLOSE_TIMEOUT);
  }
}
