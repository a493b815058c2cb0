package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Timestamp;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.storage.clickhouse.ClickHouseStorage;
import io.tapline.server.testing.SharedClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Stopping the server writes what is queued for the group commit and answers those clients. */
class GracefulShutdownIT {

  @Test
  void queuedBatchesAreCommittedAndAcknowledgedOnStop() throws Exception {
    String database = SharedClickHouse.newDatabase(GracefulShutdownIT.class);
    String key = ApiKeys.generate().key();
    TaplineServer server =
        TaplineServer.start(
            ConfigLoader.load(
                    new String[] {
                      "--auth.bootstrap-admin-key=" + key,
                      // Long enough that the batches are still queued when the stop begins.
                      "--ingest.commit-interval=30s"
                    })
                .withPort(0)
                .withClickHouse(
                    SharedClickHouse.engine().jdbcUrl(),
                    SharedClickHouse.engine().user(),
                    SharedClickHouse.engine().password(),
                    database));
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .build();
    try {
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
      var ingest =
          IngestServiceGrpc.newFutureStub(
              ClientInterceptors.intercept(
                  channel, MetadataUtils.newAttachHeadersInterceptor(headers)));
      List<ListenableFuture<IngestResponse>> acks = new ArrayList<>();
      for (int b = 0; b < 3; b++) {
        IngestRequest.Builder batch = IngestRequest.newBuilder().setBatchId("drain-" + b);
        for (int i = 0; i < 10; i++) {
          batch.addCalls(
              ApiCall.newBuilder()
                  .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                  .setService("drained")
                  .setMethod("GET")
                  .setUrl("https://x.test/" + b + "/" + i)
                  .setStatusCode(200));
        }
        acks.add(ingest.ingest(batch.build()));
      }
      awaitQueued(server, 30);
      assertThat(acks).noneMatch(ListenableFuture::isDone);

      server.close();

      for (ListenableFuture<IngestResponse> ack : acks) {
        assertThat(ack.get(10, TimeUnit.SECONDS).getAccepted()).isEqualTo(10);
      }
    } finally {
      channel.shutdownNow();
    }
    try (ClickHouseStorage storage =
            ClickHouseStorage.open(
                SharedClickHouse.engine().jdbcUrl(),
                SharedClickHouse.engine().user(),
                SharedClickHouse.engine().password(),
                database,
                1);
        Connection connection = storage.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery("SELECT count() FROM api_calls WHERE service = 'drained'")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(30);
    }
  }

  /** Waits for the queue depth, read the way an operator does: from the metrics endpoint. */
  private static void awaitQueued(TaplineServer server, long records) {
    var http = com.linecorp.armeria.client.WebClient.of("http://127.0.0.1:" + server.port());
    await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(
            () ->
                http.get("/internal/metrics")
                    .aggregate()
                    .join()
                    .contentUtf8()
                    .contains("tapline_ingest_queue_records " + records + ".0"));
  }
}
