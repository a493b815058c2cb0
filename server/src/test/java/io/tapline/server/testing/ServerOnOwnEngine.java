package io.tapline.server.testing;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedClickHouse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server on an embedded engine of its own, for tests and tools that stop, kill or load the
 * engine, which the run's shared engine must not suffer; or on a cluster of embedded engines
 * ({@link #onCluster}). It has a bootstrap admin key, which its {@link #channel()} sends. Closing
 * it closes the channel, the server and its own engine (a cluster stays up).
 */
public final class ServerOnOwnEngine implements AutoCloseable {

  private final EmbeddedClickHouse engine;
  private final TaplineServer server;
  private final String adminKey;
  private final ManagedChannel channel;

  private ServerOnOwnEngine(EmbeddedClickHouse engine, TaplineServer server, String adminKey) {
    this.engine = engine;
    this.server = server;
    this.adminKey = adminKey;
    this.channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .maxInboundMessageSize(64 << 20)
            .build();
  }

  /**
   * Starts an engine on {@code dataDir} and a server on it using {@code database}.
   *
   * @param flags configuration flags besides the admin key, such as {@code
   *     --ingest.commit-timeout=2s}
   */
  public static ServerOnOwnEngine start(Path dataDir, String database, String... flags) {
    String adminKey = ApiKeys.generate().key();
    List<String> all = new ArrayList<>(List.of("--auth.bootstrap-admin-key=" + adminKey));
    all.addAll(List.of(flags));
    EmbeddedClickHouse engine =
        EmbeddedClickHouse.start(
            new TaplineConfig.Embedded(
                SharedClickHouse.library(), dataDir, 0, Duration.ofSeconds(60)));
    try {
      TaplineServer server =
          TaplineServer.start(
              ConfigLoader.load(all.toArray(String[]::new))
                  .withPort(0)
                  .withClickHouse(engine.jdbcUrl(), engine.user(), engine.password(), database));
      return new ServerOnOwnEngine(engine, server, adminKey);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
  }

  /**
   * Starts a server storing in {@code cluster}, using {@code database}.
   *
   * @param flags configuration flags besides the admin key
   */
  public static ServerOnOwnEngine onCluster(
      EmbeddedCluster cluster, String database, String... flags) {
    String adminKey = ApiKeys.generate().key();
    List<String> all = new ArrayList<>(List.of("--auth.bootstrap-admin-key=" + adminKey));
    all.addAll(List.of(flags));
    TaplineServer server =
        TaplineServer.start(
            cluster.on(ConfigLoader.load(all.toArray(String[]::new)).withPort(0), database));
    return new ServerOnOwnEngine(null, server, adminKey);
  }

  /** {@code channel} sending {@code key} as its bearer credential. */
  public static Channel withKey(Channel channel, String key) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** The server's own engine; null on a cluster. */
  public EmbeddedClickHouse engine() {
    return engine;
  }

  public TaplineServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  public String adminKey() {
    return adminKey;
  }

  /** A gRPC channel to the server over loopback, sending the admin key. */
  public Channel channel() {
    return withKey(channel, adminKey);
  }

  @Override
  public void close() {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        server.close();
      } finally {
        if (engine != null) {
          engine.close();
        }
      }
    }
  }
}
