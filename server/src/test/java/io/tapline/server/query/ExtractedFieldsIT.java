package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.BreakdownGroup;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.Dimension;
import io.tapline.proto.v1.FieldCondition;
import io.tapline.proto.v1.FieldRule;
import io.tapline.proto.v1.FieldSource;
import io.tapline.proto.v1.FieldType;
import io.tapline.proto.v1.GetBreakdownRequest;
import io.tapline.proto.v1.GetCallRequest;
import io.tapline.proto.v1.GetTimeSeriesRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.Service;
import io.tapline.server.testing.DuckDb;
import io.tapline.server.testing.TestTapline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extracted fields end to end: rules saved on a service, values read at ingest from what masking
 * left, stored with the call, then used by search filters, breakdowns, time series and exports.
 */
class ExtractedFieldsIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  @TempDir static Path files;

  private static final Instant BASE = Instant.now().minusSeconds(1800);
  private static final String[] LABELS = {"cat", "dog", "bird"};
  private static QueryServiceGrpc.QueryServiceBlockingStub query;

  @BeforeAll
  static void ingest() {
    AdminServiceGrpc.newBlockingStub(tapline.channel())
        .createService(
            CreateServiceRequest.newBuilder()
                .setService(
                    Service.newBuilder()
                        .setName("model")
                        .addFields(
                            rule(
                                "prediction.label",
                                FieldType.FIELD_TYPE_STRING,
                                FieldSource.FIELD_SOURCE_RESPONSE_BODY,
                                "$.prediction.label"))
                        .addFields(
                            rule(
                                "prediction.score",
                                FieldType.FIELD_TYPE_NUMBER,
                                FieldSource.FIELD_SOURCE_RESPONSE_BODY,
                                "/prediction/score"))
                        .addFields(
                            rule(
                                "features.age",
                                FieldType.FIELD_TYPE_NUMBER,
                                FieldSource.FIELD_SOURCE_REQUEST_BODY,
                                "$.features.age"))
                        .addFields(
                            rule(
                                "password",
                                FieldType.FIELD_TYPE_STRING,
                                FieldSource.FIELD_SOURCE_REQUEST_BODY,
                                "/password"))
                        .addFields(
                            rule(
                                "model.version",
                                FieldType.FIELD_TYPE_STRING,
                                FieldSource.FIELD_SOURCE_RESPONSE_HEADER,
                                "X-Model-Version")))
                .build());
    List<ApiCall> calls = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      Instant at = BASE.plusSeconds(i * 10L);
      calls.add(
          ApiCall.newBuilder()
              .setId("m-" + i)
              .setTimestamp(Timestamp.newBuilder().setSeconds(at.getEpochSecond()))
              .setService("model")
              .setMethod("POST")
              .setUrl("https://model.example.com/v1/predict")
              .setStatusCode(200)
              .setLatencyMs(3)
              .setRequestBody(
                  "{\"features\": {\"age\": " + (20 + i) + "}, \"password\": \"hunter2\"}")
              .setResponseBody(
                  "{\"prediction\": {\"label\": \""
                      + LABELS[i % 3]
                      + "\", \"score\": "
                      + (i / 100.0)
                      + "}}")
              .putResponseHeaders("x-model-version", i < 45 ? "v1" : "v2")
              .build());
    }
    // Not JSON: stored without fields, and the batch goes on.
    calls.add(calls.get(0).toBuilder().setId("m-text").setResponseBody("plain text").build());
    IngestResponse response =
        IngestServiceGrpc.newBlockingStub(tapline.channel())
            .ingest(IngestRequest.newBuilder().addAllCalls(calls).build());
    assertThat(response.getAccepted()).isEqualTo(91);
    query = QueryServiceGrpc.newBlockingStub(tapline.channel());
  }

  private static FieldRule rule(String name, FieldType type, FieldSource source, String path) {
    return FieldRule.newBuilder()
        .setName(name)
        .setType(type)
        .setSource(source)
        .setPath(path)
        .build();
  }

  private static CallFilter.Builder filter() {
    return CallFilter.newBuilder()
        .setService("model")
        .setStartTime(Timestamp.newBuilder().setSeconds(BASE.getEpochSecond() - 1));
  }

  @Test
  void storesTheValuesWithTheCallAfterMasking() {
    ApiCall call = query.getCall(GetCallRequest.newBuilder().setId("m-7").build());
    assertThat(call.getStringFieldsMap())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("prediction.label", "dog", "password", "[masked]", "model.version", "v1"));
    assertThat(call.getNumberFieldsMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of("prediction.score", 0.07, "features.age", 27.0));
    ApiCall text = query.getCall(GetCallRequest.newBuilder().setId("m-text").build());
    assertThat(text.getStringFieldsMap()).doesNotContainKey("prediction.label");
    assertThat(text.getNumberFieldsMap()).containsOnlyKeys("features.age");
  }

  @Test
  void searchFiltersOnStringAndNumberFields() {
    var calls =
        query
            .searchCalls(
                SearchCallsRequest.newBuilder()
                    .setPageSize(1000)
                    .setFilter(
                        filter()
                            .addFields(
                                FieldCondition.newBuilder()
                                    .setName("prediction.label")
                                    .setEquals("cat"))
                            .addFields(
                                FieldCondition.newBuilder()
                                    .setName("features.age")
                                    .setMin(50)
                                    .setMax(80)))
                    .build())
            .getCallsList();
    // age = 20 + i in [50, 80] and i % 3 == 0: i = 30, 33, ..., 60.
    assertThat(calls.stream().map(ApiCall::getId).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(
            "m-30", "m-33", "m-36", "m-39", "m-42", "m-45", "m-48", "m-51", "m-54", "m-57", "m-60");
    long present =
        query
            .searchCalls(
                SearchCallsRequest.newBuilder()
                    .setPageSize(1000)
                    .setFilter(
                        filter().addFields(FieldCondition.newBuilder().setName("prediction.label")))
                    .build())
            .getCallsCount();
    assertThat(present).isEqualTo(90);
  }

  @Test
  void breakdownAndTimeSeriesGroupByAField() {
    List<BreakdownGroup> groups =
        query
            .getBreakdown(
                GetBreakdownRequest.newBuilder()
                    .setFilter(filter())
                    .addDimensions(Dimension.DIMENSION_FIELD)
                    .setField("model.version")
                    .build())
            .getGroupsList();
    assertThat(groups)
        .extracting(g -> g.getValues(0) + "=" + g.getMetrics().getCount())
        .containsExactlyInAnyOrder("v1=46", "v2=45");
    var series =
        query
            .getTimeSeries(
                GetTimeSeriesRequest.newBuilder()
                    .setFilter(
                        filter()
                            .setEndTime(
                                Timestamp.newBuilder().setSeconds(BASE.getEpochSecond() + 1800)))
                    .setSplitBy(Dimension.DIMENSION_FIELD)
                    .setField("prediction.label")
                    .build())
            .getSeriesList();
    assertThat(series)
        .extracting(
            s ->
                s.getValue()
                    + "="
                    + s.getBucketsList().stream().mapToLong(b -> b.getMetrics().getCount()).sum())
        .containsExactlyInAnyOrder("cat=30", "dog=30", "bird=30", "=1");
    assertThatThrownBy(
            () ->
                query.getBreakdown(
                    GetBreakdownRequest.newBuilder()
                        .setFilter(filter())
                        .addDimensions(Dimension.DIMENSION_FIELD)
                        .build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("field");
  }

  @Test
  void exportsCarryTheFields() throws Exception {
    AggregatedHttpResponse response =
        tapline.postJson(
            tapline.adminKey(),
            ExportHttpService.PATH,
            "{\"filter\": {\"service\": \"model\", \"startTime\": \""
                + BASE.minusSeconds(1)
                + "\"}, \"columns\": [\"id\", \"string_fields\", \"number_fields\"]}");
    assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
    Path file = files.resolve("fields.parquet");
    Files.write(file, response.content().array());
    List<String> row =
        DuckDb.rows(
                "SELECT count(*), sum(number_fields['features.age']),"
                    + " count(*) FILTER (WHERE string_fields['prediction.label'] = 'bird')"
                    + " FROM read_parquet('"
                    + file
                    + "')")
            .getFirst();
    assertThat(Long.parseLong(row.get(0))).isEqualTo(91);
    // 20..109 once each, and 20 again for the call whose response is not JSON.
    assertThat(Double.parseDouble(row.get(1))).isEqualTo((20 + 109) * 90 / 2.0 + 20);
    assertThat(Long.parseLong(row.get(2))).isEqualTo(30);
  }

  @Test
  void refusesBadRulesNamingTheField() {
    var admin = AdminServiceGrpc.newBlockingStub(tapline.channel());
    Service.Builder service = Service.newBuilder().setName("bad-rules");
    assertThatThrownBy(
            () ->
                admin.createService(
                    CreateServiceRequest.newBuilder()
                        .setService(
                            service.addFields(
                                rule(
                                    "x",
                                    FieldType.FIELD_TYPE_NUMBER,
                                    FieldSource.FIELD_SOURCE_REQUEST_BODY,
                                    "$..x")))
                        .build()))
        .hasMessageContaining("service.fields[0].path");
    assertThatThrownBy(
            () ->
                admin.createService(
                    CreateServiceRequest.newBuilder()
                        .setService(
                            Service.newBuilder()
                                .setName("bad-rules")
                                .addFields(
                                    rule(
                                        "x",
                                        FieldType.FIELD_TYPE_UNSPECIFIED,
                                        FieldSource.FIELD_SOURCE_REQUEST_BODY,
                                        "/x")))
                        .build()))
        .hasMessageContaining("service.fields[0].type");
  }
}
