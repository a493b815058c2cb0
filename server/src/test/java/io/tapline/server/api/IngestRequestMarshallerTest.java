package io.tapline.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnknownFieldSet;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.server.testing.InvalidUtf8;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IngestRequestMarshallerTest {

  private static ApiCall call(String url) {
    return ApiCall.newBuilder().setService("s").setMethod("GET").setUrl(url).build();
  }

  @Test
  void aCallWithInvalidUtf8BecomesAPlaceholderNamingTheField() {
    IngestRequest batch =
        IngestRequest.newBuilder()
            .setBatchId("b-1")
            .addCalls(call("https://a.test/1"))
            .addCalls(call("https://a.test/MARK"))
            .addCalls(call("https://a.test/3").toBuilder().putRequestHeaders("x-h", "MARK"))
            .addCalls(call("https://a.test/4"))
            .build();
    IngestRequest read = IngestRequestMarshaller.read(InvalidUtf8.at(batch));
    assertThat(read.getBatchId()).isEqualTo("b-1");
    assertThat(read.getCallsCount()).isEqualTo(4);
    assertThat(read.getCalls(0)).isEqualTo(batch.getCalls(0));
    assertThat(UnreadableCalls.problem(read.getCalls(1)))
        .isEqualTo(new UnreadableCalls.Problem("url", "is not valid UTF-8"));
    assertThat(UnreadableCalls.problem(read.getCalls(2)))
        .isEqualTo(new UnreadableCalls.Problem("request_headers", "is not valid UTF-8"));
    assertThat(read.getCalls(3)).isEqualTo(batch.getCalls(3));
    assertThat(UnreadableCalls.problem(read)).isNull();
  }

  @Test
  void aBatchThatCannotBeReadBecomesAnUnreadableBatch() {
    IngestRequest batch =
        IngestRequest.newBuilder().setBatchId("MARK").addCalls(call("https://a.test/1")).build();
    assertThat(UnreadableCalls.problem(IngestRequestMarshaller.read(InvalidUtf8.at(batch))))
        .isEqualTo(new UnreadableCalls.Problem("batch_id", "is not valid UTF-8"));

    byte[] whole =
        IngestRequest.newBuilder().addCalls(call("https://a.test/1")).build().toByteArray();
    byte[] cut = Arrays.copyOf(whole, whole.length - 3);
    UnreadableCalls.Problem problem = UnreadableCalls.problem(IngestRequestMarshaller.read(cut));
    assertThat(problem).isNotNull();
    assertThat(problem.reason()).startsWith("is not a readable IngestRequest");
  }

  @Test
  void aCallSendingTheReservedFieldItselfIsRefused() {
    ApiCall call =
        call("https://a.test/1").toBuilder()
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(
                        UnreadableCalls.FIELD,
                        UnknownFieldSet.Field.newBuilder().addVarint(7).build())
                    .build())
            .build();
    IngestRequest read =
        IngestRequestMarshaller.read(
            IngestRequest.newBuilder().addCalls(call).build().toByteArray());
    assertThat(UnreadableCalls.problem(read.getCalls(0)))
        .isEqualTo(new UnreadableCalls.Problem("", "uses a field number the server reserves"));
  }

  @Test
  void aCleanBatchReadsAsProtobufReadsIt() {
    IngestRequest batch =
        IngestRequest.newBuilder()
            .setBatchId("b")
            .addCalls(call("https://a.test/é").toBuilder().setRequestBody("{\"emoji\":\"🙂\"}"))
            .build();
    assertThat(IngestRequestMarshaller.read(batch.toByteArray())).isEqualTo(batch);
  }
}
