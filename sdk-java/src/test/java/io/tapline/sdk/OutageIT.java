package io.tapline.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.testing.SharedClickHouse;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With the server stopped, calls wait in the queue up to its capacity, the overflow is dropped and
 * counted, and the rest arrive once a server is back on the same port.
 */
class OutageIT {

  private static final String SERVICE = "outage-svc";
  private static final int CAPACITY = 20;

  private final String key = ApiKeys.generate().key();
  private final String database = SharedClickHouse.newDatabase(OutageIT.class);

  private TaplineServer start(int port) {
    TaplineConfig config =
        ConfigLoader.load(new String[] {"--auth.bootstrap-admin-key=" + key})
            .withPort(port)
            .withClickHouse(
                SharedClickHouse.engine().jdbcUrl(),
                SharedClickHouse.engine().user(),
                SharedClickHouse.engine().password(),
                database);
    return TaplineServer.start(config);
  }

  private static CapturedCall call(int i) {
    return CapturedCall.start()
        .method("GET")
        .url("http://shop.example/orders/" + i)
        .route("/orders/{id}")
        .finish(200);
  }

  @Test
  void buffersUpToCapacityWhileTheServerIsDownAndDeliversTheRestAfterwards() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    TaplineServer server = start(port);
    TaplineClient client =
        TaplineClient.builder()
            .endpoint("http://127.0.0.1:" + port)
            .apiKey(key)
            .serviceName(SERVICE)
            .queueCapacity(CAPACITY)
            .batchSize(5)
            .linger(Duration.ofMillis(20))
            .deadline(Duration.ofSeconds(5))
            .retryPolicy(new RetryPolicy(0, Duration.ofMillis(50), Duration.ofMillis(300), 2))
            .build();
    try {
      client.record(call(0));
      assertThat(client.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(client.counters().acknowledged()).isEqualTo(1);

      server.close();
      server = null;

      // The first call of the outage is taken by the sender, which keeps retrying it...
      client.record(call(1));
      await().atMost(Duration.ofSeconds(30)).until(() -> client.counters().retried() > 0);
      // ...so the queue takes CAPACITY more, and drops the overflow without blocking.
      for (int i = 2; i < 2 + CAPACITY + 7; i++) {
        client.record(call(i));
      }
      TaplineCounters during = client.counters();
      assertThat(during.recorded()).isEqualTo(2 + CAPACITY);
      assertThat(during.dropped()).isEqualTo(7);
      assertThat(during.acknowledged()).isEqualTo(1);
      assertThat(client.queued()).isEqualTo(CAPACITY);
      assertThat(client.flush(Duration.ofMillis(200))).isFalse();

      server = start(port);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> client.counters().acknowledged() == 2 + CAPACITY);
      assertThat(storedCalls(port)).isEqualTo(2 + CAPACITY);
      TaplineCounters after = client.counters();
      assertThat(after.rejected()).isZero();
      assertThat(after.dropped()).isEqualTo(7);
    } finally {
      assertThat(client.close(Duration.ofSeconds(10))).isTrue();
      if (server != null) {
        server.close();
      }
    }
  }

  private int storedCalls(int port) throws InterruptedException {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    try {
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
      QueryServiceGrpc.QueryServiceBlockingStub query =
          QueryServiceGrpc.newBlockingStub(
              ClientInterceptors.intercept(
                  channel, MetadataUtils.newAttachHeadersInterceptor(headers)));
      return query
          .searchCalls(
              SearchCallsRequest.newBuilder()
                  .setFilter(CallFilter.newBuilder().setService(SERVICE))
                  .setPageSize(1000)
                  .build())
          .getCallsCount();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
