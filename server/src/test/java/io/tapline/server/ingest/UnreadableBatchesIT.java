package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.server.testing.InvalidUtf8;
import io.tapline.server.testing.TestTapline;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Binary batches protobuf cannot read whole: a call with invalid UTF-8 is refused alone, naming its
 * field, and the rest of its batch is stored; a batch whose framing is broken is refused with
 * INVALID_ARGUMENT, and an IngestStream carries on with the next batch.
 */
class UnreadableBatchesIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  /** Sends bytes as they are. */
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          throw new UnsupportedOperationException();
        }
      };

  private static final MethodDescriptor<byte[], IngestResponse> RAW_STREAM =
      IngestServiceGrpc.getIngestStreamMethod().toBuilder(
              BYTES, ProtoUtils.marshaller(IngestResponse.getDefaultInstance()))
          .build();

  private static ApiCall call(String url) {
    return ApiCall.newBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
        .setService("bytes")
        .setMethod("GET")
        .setUrl(url)
        .setStatusCode(200)
        .build();
  }

  @Test
  void aStreamAnswersEveryBatchAndStaysOpen() throws Exception {
    List<IngestResponse> answers = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    Status[] ended = new Status[1];
    ClientCall<byte[], IngestResponse> call =
        tapline.channel().newCall(RAW_STREAM, io.grpc.CallOptions.DEFAULT);
    StreamObserver<byte[]> requests =
        ClientCalls.asyncBidiStreamingCall(
            call,
            new StreamObserver<>() {
              @Override
              public void onNext(IngestResponse value) {
                answers.add(value);
              }

              @Override
              public void onError(Throwable t) {
                ended[0] = Status.fromThrowable(t);
                done.countDown();
              }

              @Override
              public void onCompleted() {
                ended[0] = Status.OK;
                done.countDown();
              }
            });

    requests.onNext(
        InvalidUtf8.at(
            IngestRequest.newBuilder()
                .setBatchId("utf8-1")
                .addCalls(call("https://a.test/1"))
                .addCalls(call("https://a.test/MARK"))
                .addCalls(call("https://a.test/3"))
                .build()));
    byte[] whole =
        IngestRequest.newBuilder()
            .setBatchId("cut-1")
            .addCalls(call("https://a.test/4"))
            .build()
            .toByteArray();
    requests.onNext(Arrays.copyOf(whole, whole.length - 5));
    requests.onNext(
        IngestRequest.newBuilder()
            .setBatchId("fine-1")
            .addCalls(call("https://a.test/5"))
            .build()
            .toByteArray());
    requests.onCompleted();

    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(ended[0].getCode()).isEqualTo(Status.Code.OK);
    assertThat(answers).hasSize(3);
    assertThat(answers.get(0).getAccepted()).isEqualTo(2);
    assertThat(answers.get(0).getRejections(0).getIndex()).isEqualTo(1);
    assertThat(answers.get(0).getRejections(0).getField()).isEqualTo("url");
    assertThat(answers.get(0).getRejections(0).getReason()).contains("UTF-8");
    assertThat(answers.get(1).getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(answers.get(1).getError().getMessage()).contains("not a readable IngestRequest");
    assertThat(answers.get(2).getAccepted()).isEqualTo(1);
  }

  @Test
  void aUnaryBatchWithAnUnreadableCallStoresTheOthers() {
    IngestResponse answer =
        ClientCalls.blockingUnaryCall(
            tapline.channel(),
            IngestServiceGrpc.getIngestMethod().toBuilder(
                    BYTES, ProtoUtils.marshaller(IngestResponse.getDefaultInstance()))
                .build(),
            io.grpc.CallOptions.DEFAULT,
            InvalidUtf8.at(
                IngestRequest.newBuilder()
                    .addCalls(call("https://a.test/6").toBuilder().putTags("team", "MARK"))
                    .addCalls(call("https://a.test/7"))
                    .build()));
    assertThat(answer.getAccepted()).isEqualTo(1);
    assertThat(answer.getRejections(0).getIndex()).isZero();
    assertThat(answer.getRejections(0).getField()).isEqualTo("tags");
  }
}
