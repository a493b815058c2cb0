package io.tapline.server.testing;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
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
import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.clickhouse.ClickHouseApiKeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final List<String> flags = new ArrayList<>();
  private final String adminKey = ApiKeys.generate().key();
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
        SharedClickHouse.on(
            ConfigLoader.load(withBootstrapKey()).withPort(0),
            SharedClickHouse.newDatabase(context.getRequiredTestClass()));
    server = TaplineServer.start(config);
  }

  private String[] withBootstrapKey() {
    List<String> all = new ArrayList<>();
    all.add("--auth.bootstrap-admin-key=" + adminKey);
    all.addAll(flags);
    return all.toArray(String[]::new);
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

  /**
   * Stores a new API key in the server's database and tells the server, as the AdminService does,
   * and returns it. Unlike the AdminService, it takes any combination of fields.
   *
   * @param scopes scope names (ingest, read, replay, admin)
   * @param service the service the key is bound to, or empty
   */
  public String newKey(Set<String> scopes, String service, String customerId, String plan) {
    ApiKeys.Generated key = ApiKeys.generate();
    new ClickHouseApiKeyStore(server.storage().dataSource())
        .put(
            new ApiKeyRecord(
                key.keyId(),
                "test",
                key.secretHash(),
                scopes,
                service,
                customerId,
                plan,
                Instant.now(),
                null,
                false));
    server.authenticator().invalidate(key.keyId());
    return key.key();
  }

  /** A new key with {@code scopes}, bound to {@code service} (or none when empty). */
  public String newKey(Set<String> scopes, String service) {
    return newKey(scopes, service, "", "");
  }

  /** The admin key the server was started with. */
  public String adminKey() {
    return adminKey;
  }

  /** A gRPC channel over loopback TCP (grpc-netty-shaded) sending the admin key. */
  public Channel channel() {
    return channel(adminKey);
  }

  /** A gRPC channel sending {@code key} (none when null); closed after the class. */
  public Channel channel(String key) {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port(), InsecureChannelCredentials.create())
            .build();
    channels.add(channel);
    if (key == null) {
      return channel;
    }
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + key);
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** An HTTP client for the JSON API, rooted at the server, sending the admin key. */
  public WebClient http() {
    return http(adminKey);
  }

  /** An HTTP client sending {@code key} (none when null). */
  public WebClient http(String key) {
    WebClientBuilder builder = WebClient.builder("http://127.0.0.1:" + port());
    if (key != null) {
      builder.addHeader("authorization", "Bearer " + key);
    }
    return builder.build();
  }

  /** POSTs {@code json} to {@code path} with {@code key}, and waits for the whole response. */
  public AggregatedHttpResponse postJson(String key, String path, String json) {
    return http(key)
        .execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON, json))
        .aggregate()
        .join();
  }
}
