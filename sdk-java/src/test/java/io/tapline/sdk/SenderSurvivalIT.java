package io.tapline.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.tapline.masking.Masker;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.server.testing.TestTapline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sender thread survives whatever one record throws while it is converted, an Error included:
 * the record is dropped and counted, its batch and every later one are sent.
 */
class SenderSurvivalIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  @Test
  void oneRecordThrowingAnErrorCostsOnlyThatRecord() throws Exception {
    CallConverter real = new CallConverter("survivor", Masker.defaults(), 1024);
    Function<CapturedCall, ApiCall> converter =
        call -> {
          if (call.statusCode() == 599) {
            throw new StackOverflowError("a hostile record");
          }
          if (call.statusCode() == 598) {
            throw new IllegalStateException("another hostile record");
          }
          return real.toProto(call);
        };
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", tapline.port(), InsecureChannelCredentials.create())
            .build();
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + tapline.adminKey());
    BatchSender sender =
        new BatchSender(
            100,
            10,
            Duration.ofMillis(20),
            Duration.ofSeconds(10),
            RetryPolicy.defaults(),
            converter,
            new IngestStream(
                IngestServiceGrpc.newStub(
                    ClientInterceptors.intercept(
                        channel, MetadataUtils.newAttachHeadersInterceptor(headers)))),
            () -> {});
    try {
      for (int status : new int[] {200, 599, 201, 598, 202}) {
        assertThat(sender.offer(CapturedCall.start().url("/s/" + status).finish(status))).isTrue();
      }
      assertThat(sender.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(sender.acknowledged.get()).isEqualTo(3);
      assertThat(sender.dropped.sum()).isEqualTo(2);
      // The thread is still there: later calls are sent too.
      sender.offer(CapturedCall.start().url("/s/after").finish(204));
      await().atMost(Duration.ofSeconds(10)).until(() -> sender.acknowledged.get() == 4);
    } finally {
      sender.shutdown(Duration.ofSeconds(5));
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
