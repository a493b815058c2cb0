package io.tapline.server.testing;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.Rejection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import org.curioswitch.common.protobuf.json.MessageMarshaller;

/**
 * Sends {@link BatchFuzzer} batches to a server, protobuf over gRPC and JSON over HTTP, and says
 * what was wrong with each answer: the batch must be answered OK, every call accepted or refused
 * alone with a reason, and every call left as generated stored.
 */
public final class FuzzTarget {

  /** The Ingest method with the request sent as the bytes given, damaged or not. */
  private static final MethodDescriptor<byte[], IngestResponse> RAW_INGEST =
      IngestServiceGrpc.getIngestMethod().toBuilder(
              new BytesMarshaller(), ProtoUtils.marshaller(IngestResponse.getDefaultInstance()))
          .build();

  private static final MessageMarshaller JSON =
      MessageMarshaller.builder().register(IngestResponse.getDefaultInstance()).build();

  private final Channel channel;
  private final WebClient http;

  /**
   * @param channel and {@code http} send a key that may ingest for the fuzzer's service
   */
  public FuzzTarget(Channel channel, WebClient http) {
    this.channel = channel;
    this.http = http;
  }

  /** What the server answered. */
  public record Answer(IngestResponse response, String problem) {}

  /** Sends {@code batch}; the answer's problem is null when the server did what it must. */
  public Answer send(BatchFuzzer.Batch batch) {
    IngestResponse response;
    try {
      response =
          batch.encoding() == BatchFuzzer.Encoding.PROTOBUF ? sendProtobuf(batch) : sendJson(batch);
    } catch (StatusRuntimeException e) {
      return new Answer(null, "answered " + e.getStatus());
    } catch (RuntimeException | IOException e) {
      return new Answer(null, "failed: " + e);
    }
    return new Answer(response, check(batch, response));
  }

  private IngestResponse sendProtobuf(BatchFuzzer.Batch batch) {
    return ClientCalls.blockingUnaryCall(
        channel,
        RAW_INGEST,
        CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS),
        batch.protobuf());
  }

  private IngestResponse sendJson(BatchFuzzer.Batch batch) throws IOException {
    AggregatedHttpResponse answer =
        http.execute(
                HttpRequest.of(
                    HttpMethod.POST, "/v1/calls:ingest", MediaType.JSON_UTF_8, batch.json()))
            .aggregate()
            .join();
    if (answer.status().code() != 200) {
      throw new IllegalStateException("HTTP " + answer.status() + ": " + answer.contentUtf8());
    }
    IngestResponse.Builder response = IngestResponse.newBuilder();
    JSON.mergeValue(answer.contentUtf8(), response);
    return response.build();
  }

  private static String check(BatchFuzzer.Batch batch, IngestResponse response) {
    if (response.hasError()) {
      return "the batch failed: " + response.getError().getMessage();
    }
    if (response.getAccepted() + response.getRejected() != batch.calls()) {
      return response.getAccepted()
          + " accepted and "
          + response.getRejected()
          + " refused of "
          + batch.calls()
          + " calls";
    }
    if (response.getRejectionsCount() != response.getRejected()) {
      return response.getRejected()
          + " refused but "
          + response.getRejectionsCount()
          + " rejections";
    }
    BitSet refused = new BitSet();
    for (Rejection rejection : response.getRejectionsList()) {
      if (rejection.getIndex() < 0
          || rejection.getIndex() >= batch.calls()
          || refused.get(rejection.getIndex())) {
        return "odd rejection index " + rejection.getIndex();
      }
      if (rejection.getReason().isBlank()) {
        return "rejection of call " + rejection.getIndex() + " without a reason";
      }
      if (batch.untouched().get(rejection.getIndex())) {
        return "a valid call was refused: " + rejection;
      }
      refused.set(rejection.getIndex());
    }
    return null;
  }

  /** Sends bytes as they are. */
  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      throw new UnsupportedOperationException("requests only");
    }
  }
}
