package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.testing.TestTapline;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DocsAndGrpcWebIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  /** Every example request of our services shown at /docs works when sent as given (with a key). */
  @Test
  void everyDocsExampleWorksAsGiven() throws Exception {
    JsonNode spec =
        new ObjectMapper()
            .readTree(
                tapline.http().get("/docs/specification.json").aggregate().join().contentUtf8());
    List<String> tried = new ArrayList<>();
    for (JsonNode service : spec.get("services")) {
      if (!service.get("name").asText().startsWith("tapline.v1.")) {
        continue; // health and reflection: Armeria's own examples, for streaming methods
      }
      for (JsonNode method : service.get("methods")) {
        for (JsonNode example : method.get("exampleRequests")) {
          if (isBlankTemplate(new ObjectMapper().readTree(example.asText()))) {
            continue; // the empty template Armeria offers for every method, not one of our examples
          }
          String path = "/" + service.get("name").asText() + "/" + method.get("name").asText();
          AggregatedHttpResponse response =
              tapline
                  .http()
                  .execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON, example.asText()))
                  .aggregate()
                  .join();
          assertThat(response.status().code())
              .as("%s with %s: %s", path, example, response.contentUtf8())
              .isEqualTo(200);
          tried.add(path);
        }
      }
    }
    assertThat(tried)
        .contains(
            "/tapline.v1.IngestService/Ingest",
            "/tapline.v1.QueryService/SearchCalls",
            "/tapline.v1.QueryService/GetBreakdown",
            "/tapline.v1.AdminService/CreateApiKey",
            "/tapline.v1.AlertService/CreateAlertRule");
  }

  private static boolean isBlankTemplate(JsonNode node) {
    if (node.isContainerNode()) {
      for (JsonNode child : node) {
        if (!isBlankTemplate(child)) {
          return false;
        }
      }
      return true;
    }
    String value = node.asText();
    return value.isEmpty()
        || value.equals("0")
        || value.equals("0.0")
        || value.equals("false")
        || value.endsWith("_UNSPECIFIED");
  }

  @Test
  void grpcWebClientsAreServed() {
    var stub =
        GrpcClients.builder("http://127.0.0.1:" + tapline.port())
            .serializationFormat(GrpcSerializationFormats.PROTO_WEB)
            .addHeader("authorization", "Bearer " + tapline.adminKey())
            .build(QueryServiceGrpc.QueryServiceBlockingStub.class);
    assertThat(
            stub.searchCalls(SearchCallsRequest.newBuilder().setPageSize(1).build())
                .getCallsCount())
        .isLessThanOrEqualTo(1);
  }
}
