package io.tapline.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.CallClause;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.GetAlertRuleRequest;
import io.tapline.proto.v1.PerCallCondition;
import io.tapline.server.testing.TestTapline;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * JSON clients: requests are read strictly (an unknown field or query parameter, or text that is
 * not valid Unicode, is refused naming it) and answers are written plainly; stored text comes back
 * exactly as sent.
 */
class JsonApiIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static AggregatedHttpResponse post(String path, String json) {
    return tapline
        .http()
        .execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON, json))
        .aggregate()
        .join();
  }

  private static AggregatedHttpResponse get(String pathAndQuery) {
    return tapline.http().execute(HttpRequest.of(HttpMethod.GET, pathAndQuery)).aggregate().join();
  }

  @Test
  void aMisspelledFieldIsRefusedInsteadOfWideningTheQuery() {
    AggregatedHttpResponse typo =
        post("/v1/calls:search", "{\"filter\": {\"servce\": \"checkout\"}}");
    assertThat(typo.status().code()).isEqualTo(400);
    assertThat(typo.contentUtf8()).contains("servce");

    AggregatedHttpResponse unframed =
        post(
            "/tapline.v1.QueryService/SearchCalls",
            "{\"filter\": {\"service\": \"c\"}, \"pagesize\": 3}");
    assertThat(unframed.status().code()).isEqualTo(400);
    assertThat(unframed.contentUtf8()).contains("pagesize");

    AggregatedHttpResponse fine =
        post("/v1/calls:search", "{\"filter\": {\"service\": \"checkout\"}}");
    assertThat(fine.status().code()).isEqualTo(200);
  }

  @Test
  void anUnknownQueryParameterIsRefused() {
    AggregatedHttpResponse typo = get("/v1/alert-events?filter.servce=checkout");
    assertThat(typo.status().code()).isEqualTo(400);
    assertThat(typo.contentUtf8()).contains("filter.servce").contains("filter.service");
    assertThat(typo.contentUtf8()).contains("\"grpc-code\":\"INVALID_ARGUMENT\"");

    for (String fine :
        new String[] {
          "/v1/alert-events?filter.service=checkout&page_size=5",
          "/v1/alert-events?filter.minSeverity=WARNING&pageSize=5",
          "/v1/services"
        }) {
      AggregatedHttpResponse response = get(fine);
      assertThat(response.status().code()).as(fine + " " + response.contentUtf8()).isEqualTo(200);
    }
    // ListServices takes no parameter at all.
    assertThat(get("/v1/services?page_size=2").status().code()).isEqualTo(400);
  }

  @Test
  void answersPrintTextPlainly() {
    AggregatedHttpResponse created =
        post("/v1/services", "{\"name\": \"plain-json\", \"description\": \"a=b <c> & 'd'\"}");
    assertThat(created.status().code()).as(created.contentUtf8()).isEqualTo(200);
    assertThat(created.contentUtf8()).contains("a=b <c> & 'd'").doesNotContain("\\u003d");
  }

  @Test
  void textThatIsNotValidUnicodeIsRefusedNamingTheField() {
    AggregatedHttpResponse refused =
        post("/v1/services", "{\"name\": \"bad-text\", \"description\": \"x\\ud800y\"}");
    assertThat(refused.status().code()).isEqualTo(400);
    assertThat(refused.contentUtf8()).contains("service.description").contains("Unicode");
  }

  @Test
  void aBatchWithACallThatIsNotValidUnicodeStoresTheOthers() {
    String now = Instant.now().toString();
    String call =
        "{\"timestamp\": \""
            + now
            + "\", \"service\": \"unicode\", \"method\": \"GET\","
            + " \"url\": \"https://a.test/%s\", \"status_code\": 200, \"request_body\": \"%s\"}";
    AggregatedHttpResponse response =
        post(
            "/v1/calls:ingest",
            "{\"batch_id\": \"unicode-1\", \"calls\": ["
                + call.formatted("ok", "fine")
                + ", "
                + call.formatted("bad", "lone \\udc00 surrogate")
                + ", "
                + call.formatted("pair", "a pair \\ud83d\\ude00 is fine")
                + "]}");
    assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
    assertThat(response.contentUtf8())
        .contains("\"accepted\":2")
        .contains("\"index\":1")
        .contains("request_body")
        .contains("Unicode");
  }

  @Test
  void anAlertRuleNamedLikeAJdbcEscapeKeepsItsName() {
    String name = "a{fn b} c {d '2026-01-01'} ? \\ ' \"";
    AlertRule created =
        AlertServiceGrpc.newBlockingStub(tapline.channel())
            .createAlertRule(
                CreateAlertRuleRequest.newBuilder()
                    .setRule(
                        AlertRule.newBuilder()
                            .setName(name)
                            .setDescription(name)
                            .setService("escapes")
                            .setPerCall(
                                PerCallCondition.newBuilder()
                                    .addClauses(
                                        CallClause.newBuilder()
                                            .setField("route")
                                            .setOp("=")
                                            .setValue(name))))
                    .build());
    AlertRule read =
        AlertServiceGrpc.newBlockingStub(tapline.channel())
            .getAlertRule(GetAlertRuleRequest.newBuilder().setId(created.getId()).build());
    assertThat(read.getName()).isEqualTo(name);
    assertThat(read.getDescription()).isEqualTo(name);
    assertThat(read.getPerCall().getClauses(0).getValue()).isEqualTo(name);
    assertThat(get("/v1/alert-rules/" + created.getId()).contentUtf8())
        .contains("a{fn b} c {d '2026-01-01'} ?");
  }
}
