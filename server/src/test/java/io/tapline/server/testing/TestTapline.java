package io.tapline.server.testing;

import com.linecorp.armeria.client.WebClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.tapline.server.TaplineServer;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Tapline server for a test class: started on port 0 against the {@linkplain
 * SharedClickHouse shared engine} in a fresh database, with clients that reach it over real
 * connections. Use it as a static {@code @RegisterExtension} field.
 *
 * <p>Every client this fixture hands out carries the credentials the server expects, so tests
 * written against it keep working as the server's security grows.
 */
public final class TestTapline implements BeforeAllCallback, AfterAllCallback {

  private final List<String> flags = new ArrayList<>();
  private TaplineServer server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** Adds configuration flags (as on the command line, {@code --key=value}). */
  public TestTapline withFlags(String... extra) {
    flags.addAll(List.of(extra));
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    TaplineConfig config =
        ConfigLoader.load(flags.toArray(String[]::new))
            .withPort(0)
            .withClickHouse(
                SharedClickHouse.engine().jdbcUrl(),
                SharedClickHouse.newDatabase(context.getRequiredTestClass()));
    server = TaplineServer.start(config);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (server != null) {
      server.close();
    }
  }

  public TaplineServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  /** A gRPC channel over loopback TCP (grpc-netty-shaded), closed after the class. */
  public ManagedChannel channel() {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port(), InsecureChannelCredentials.create())
            .build();
    channels.add(channel);
    return channel;
  }

  /** An HTTP client for the JSON API, rooted at the server. */
  public WebClient http() {
    return WebClient.of("http://127.0.0.1:" + port());
  }
}
