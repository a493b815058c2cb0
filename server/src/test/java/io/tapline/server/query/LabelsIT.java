package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.tapline.proto.v1.AddLabelsRequest;
import io.tapline.proto.v1.AddLabelsResponse;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.Correlation;
import io.tapline.proto.v1.CorrelationKind;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.FieldRule;
import io.tapline.proto.v1.FieldSource;
import io.tapline.proto.v1.FieldType;
import io.tapline.proto.v1.GetLabelCountsRequest;
import io.tapline.proto.v1.GetLabelCountsResponse;
import io.tapline.proto.v1.GetRelabelQueueRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.Label;
import io.tapline.proto.v1.LabelCondition;
import io.tapline.proto.v1.LabelInput;
import io.tapline.proto.v1.LabelResult;
import io.tapline.proto.v1.LabelServiceGrpc;
import io.tapline.proto.v1.ListCallLabelsRequest;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.QueuedCall;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.Service;
import io.tapline.server.testing.DuckDb;
import io.tapline.server.testing.TestTapline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Labels through the real server: attached by call id and by each correlation, late and corrected
 * (the latest label time wins, history kept), used by filters, counts, the stratified relabelling
 * queue and exports read back by DuckDB.
 */
class LabelsIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  @TempDir static Path files;

  private static final String SERVICE = "labelled";
  private static final String[] CLASSES = {"cat", "dog", "bird"};
  private static final Instant BASE = Instant.now().minusSeconds(1200);
  private static LabelServiceGrpc.LabelServiceBlockingStub labels;
  private static List<LabelResult> results;

  @BeforeAll
  static void ingestAndLabel() {
    AdminServiceGrpc.newBlockingStub(tapline.channel())
        .createService(
            CreateServiceRequest.newBuilder()
                .setService(
                    Service.newBuilder()
                        .setName(SERVICE)
                        .addFields(rule("prediction.label", "/prediction/label"))
                        .addFields(rule("order.id", "/order")))
                .build());
    List<ApiCall> calls = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      calls.add(
          ApiCall.newBuilder()
              .setId("c-" + i)
              .setTimestamp(ts(BASE.plusSeconds(i)))
              .setService(SERVICE)
              .setMethod("POST")
              .setUrl("https://model.example.com/v1/predict")
              .setStatusCode(200)
              .setLatencyMs(5)
              .setTraceId(String.format("%032x", 1000 + i / 2))
              .putRequestHeaders("x-request-id", "r-" + i)
              .setResponseBody(
                  "{\"prediction\": {\"label\": \""
                      + CLASSES[i % 3]
                      + "\"}, \"order\": \"o-"
                      + i
                      + "\"}")
              .build());
    }
    IngestServiceGrpc.newBlockingStub(tapline.channel())
        .ingest(IngestRequest.newBuilder().addAllCalls(calls).build());
    labels = LabelServiceGrpc.newBlockingStub(tapline.channel());
    AddLabelsResponse response =
        labels.addLabels(
            AddLabelsRequest.newBuilder()
                // c-0: labelled, corrected later, then a late label decided before both.
                .addLabels(byId("c-0", "cat", "human:ann", BASE.plusSeconds(100)))
                .addLabels(byId("c-0", "dog", "human:bob", BASE.plusSeconds(200)))
                .addLabels(byId("c-0", "bird", "job:backfill", BASE.plusSeconds(50)))
                // The calls of trace 1001: c-2 and c-3.
                .addLabels(
                    correlated(
                        CorrelationKind.CORRELATION_KIND_TRACE_ID,
                        "",
                        String.format("%032x", 1001),
                        "cat"))
                .addLabels(
                    correlated(
                        CorrelationKind.CORRELATION_KIND_REQUEST_HEADER,
                        "x-request-id",
                        "r-10",
                        "dog"))
                .addLabels(
                    correlated(CorrelationKind.CORRELATION_KIND_FIELD, "order.id", "o-20", "bird"))
                // Refused alone: no service, no target, an unknown correlation.
                .addLabels(byId("c-1", "cat", "x", BASE).toBuilder().clearService())
                .addLabels(byId("c-1", "cat", "x", BASE).toBuilder().clearCallId())
                .addLabels(correlated(CorrelationKind.CORRELATION_KIND_UNSPECIFIED, "", "v", "cat"))
                // Matches nothing: attached to no call.
                .addLabels(
                    correlated(CorrelationKind.CORRELATION_KIND_FIELD, "order.id", "o-999", "cat"))
                .build());
    results = response.getResultsList();
  }

  private static FieldRule rule(String name, String path) {
    return FieldRule.newBuilder()
        .setName(name)
        .setType(FieldType.FIELD_TYPE_STRING)
        .setSource(FieldSource.FIELD_SOURCE_RESPONSE_BODY)
        .setPath(path)
        .build();
  }

  private static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private static LabelInput byId(String id, String value, String source, Instant at) {
    return LabelInput.newBuilder()
        .setService(SERVICE)
        .setCallId(id)
        .setName("truth")
        .setValue(value)
        .setSource(source)
        .setLabelTime(ts(at))
        .build();
  }

  private static LabelInput correlated(
      CorrelationKind kind, String key, String value, String label) {
    return LabelInput.newBuilder()
        .setService(SERVICE)
        .setCorrelation(Correlation.newBuilder().setKind(kind).setKey(key).setValue(value))
        .setName("truth")
        .setValue(label)
        .setSource("job:feedback")
        .build();
  }

  private static CallFilter.Builder filter() {
    return CallFilter.newBuilder().setService(SERVICE).setStartTime(ts(BASE.minusSeconds(1)));
  }

  private static Set<String> search(LabelCondition.Builder condition) {
    return QueryServiceGrpc.newBlockingStub(tapline.channel())
        .searchCalls(
            SearchCallsRequest.newBuilder()
                .setPageSize(1000)
                .setFilter(filter().addLabels(condition))
                .build())
        .getCallsList()
        .stream()
        .map(ApiCall::getId)
        .collect(Collectors.toSet());
  }

  @Test
  void eachLabelIsAttachedOrRefusedOnItsOwn() {
    assertThat(results)
        .extracting(LabelResult::getCalls)
        .containsExactly(1, 1, 1, 2, 1, 1, 0, 0, 0, 0);
    assertThat(results.get(6).getError()).startsWith("service");
    assertThat(results.get(7).getError()).contains("call_id or a correlation");
    assertThat(results.get(8).getError()).startsWith("correlation.kind");
    assertThat(results.get(9).getError()).isEmpty();
    // A key bound to another service may not label this one's calls.
    String other = tapline.newKey(Set.of("ingest"), "elsewhere");
    assertThat(
            LabelServiceGrpc.newBlockingStub(tapline.channel(other))
                .addLabels(
                    AddLabelsRequest.newBuilder().addLabels(byId("c-5", "cat", "x", BASE)).build())
                .getResults(0)
                .getError())
        .contains("may not label");
  }

  @Test
  void theLatestLabelTimeWinsAndHistoryIsKept() {
    List<Label> history =
        labels
            .listCallLabels(
                ListCallLabelsRequest.newBuilder().setService(SERVICE).setCallId("c-0").build())
            .getLabelsList();
    assertThat(history).extracting(Label::getValue).containsExactly("dog", "cat", "bird");
    assertThat(history).extracting(Label::getLatest).containsExactly(true, false, false);
    assertThat(history.getFirst().getSource()).isEqualTo("human:bob");
    assertThat(search(LabelCondition.newBuilder().setName("truth").setValue("dog")))
        .containsExactlyInAnyOrder("c-0", "c-10");
    assertThat(search(LabelCondition.newBuilder().setName("truth").setValue("bird")))
        .containsExactly("c-20");
    assertThat(search(LabelCondition.newBuilder().setName("truth")))
        .containsExactlyInAnyOrder("c-0", "c-2", "c-3", "c-10", "c-20");
    assertThat(search(LabelCondition.newBuilder().setName("truth").setMissing(true))).hasSize(55);
  }

  @Test
  void countsLabelledAndUnlabelledCalls() {
    GetLabelCountsResponse counts =
        labels.getLabelCounts(
            GetLabelCountsRequest.newBuilder().setFilter(filter()).setName("truth").build());
    assertThat(counts.getLabelled()).isEqualTo(5);
    assertThat(counts.getUnlabelled()).isEqualTo(55);
    assertThat(counts.getByValueMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of("dog", 2L, "cat", 2L, "bird", 1L));
  }

  @Test
  void theQueueDrawsUnlabelledCallsEvenlyFromEachStratum() {
    GetRelabelQueueRequest request =
        GetRelabelQueueRequest.newBuilder()
            .setFilter(filter())
            .setName("truth")
            .setStratifyBy("field:prediction.label")
            .setPerStratum(4)
            .setSeed(7)
            .build();
    List<QueuedCall> queue = labels.getRelabelQueue(request).getCallsList();
    Map<String, Integer> perStratum = new HashMap<>();
    for (QueuedCall queued : queue) {
      perStratum.merge(queued.getStratum(), 1, Integer::sum);
      assertThat(queued.getCall().getStringFieldsMap().get("prediction.label"))
          .isEqualTo(queued.getStratum());
    }
    assertThat(perStratum)
        .containsExactlyInAnyOrderEntriesOf(Map.of("cat", 4, "dog", 4, "bird", 4));
    Set<String> ids = queue.stream().map(q -> q.getCall().getId()).collect(Collectors.toSet());
    assertThat(ids).doesNotContain("c-0", "c-2", "c-3", "c-10", "c-20");
    // The same seed draws the same sample; others draw others.
    assertThat(labels.getRelabelQueue(request).getCallsList()).isEqualTo(queue);
    Set<Set<String>> samples = new java.util.HashSet<>();
    for (int seed = 0; seed < 5; seed++) {
      samples.add(
          labels.getRelabelQueue(request.toBuilder().setSeed(seed).build()).getCallsList().stream()
              .map(q -> q.getCall().getId())
              .collect(Collectors.toSet()));
    }
    assertThat(samples.size()).isGreaterThan(1);
  }

  @Test
  void exportsJoinEachCallWithItsLatestLabels() throws Exception {
    AggregatedHttpResponse response =
        tapline.postJson(
            tapline.adminKey(),
            ExportHttpService.PATH,
            "{\"filter\": {\"service\": \""
                + SERVICE
                + "\", \"startTime\": \""
                + BASE.minusSeconds(1)
                + "\"}, \"columns\": [\"id\", \"string_fields\"], \"withLabels\": true}");
    assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
    assertThat(response.headers().get("x-tapline-export-columns"))
        .isEqualTo("id,string_fields,labels");
    Path file = files.resolve("training.parquet");
    Files.write(file, response.content().array());
    List<String> rows =
        DuckDb.rows(
                "SELECT id, labels['truth'], string_fields['prediction.label'] FROM read_parquet('"
                    + file
                    + "') WHERE cardinality(labels) > 0 ORDER BY id")
            .stream()
            .map(r -> r.get(0) + "=" + r.get(1) + "/" + r.get(2))
            .toList();
    assertThat(rows)
        .containsExactly(
            "c-0=dog/cat", "c-10=dog/dog", "c-2=cat/bird", "c-20=bird/bird", "c-3=cat/cat");
    assertThat(DuckDb.number("SELECT count(*) FROM read_parquet('" + file + "')")).isEqualTo(60);
  }
}
