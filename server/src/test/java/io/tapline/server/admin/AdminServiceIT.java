package io.tapline.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CreateApiKeyRequest;
import io.tapline.proto.v1.CreateApiKeyResponse;
import io.tapline.proto.v1.CreateCustomerRequest;
import io.tapline.proto.v1.CreatePlanRequest;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.Customer;
import io.tapline.proto.v1.DeleteServiceRequest;
import io.tapline.proto.v1.GetServiceRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.ListApiKeysRequest;
import io.tapline.proto.v1.ListServicesRequest;
import io.tapline.proto.v1.Plan;
import io.tapline.proto.v1.RevokeApiKeyRequest;
import io.tapline.proto.v1.Service;
import io.tapline.proto.v1.UpdateServiceRequest;
import io.tapline.server.testing.TestTapline;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AdminServiceIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static final ObjectMapper json = new ObjectMapper();

  private static AdminServiceGrpc.AdminServiceBlockingStub admin() {
    return AdminServiceGrpc.newBlockingStub(tapline.channel());
  }

  private static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void servicesCanBeCreatedReadUpdatedListedAndDeleted() {
    Service created =
        admin()
            .createService(
                CreateServiceRequest.newBuilder()
                    .setService(
                        Service.newBuilder()
                            .setName("payments")
                            .setBaseUrl("https://payments.internal:8443")
                            .setRetentionDays(7)
                            .addSensitiveHeaders("X-Card-Token"))
                    .build());
    assertThat(created.getSensitiveHeadersList()).containsExactly("x-card-token");
    assertThat(created.hasCreateTime()).isTrue();
    assertThat(
            codeOf(
                () ->
                    admin()
                        .createService(
                            CreateServiceRequest.newBuilder().setService(created).build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);

    Service updated =
        admin()
            .updateService(
                UpdateServiceRequest.newBuilder()
                    .setService(
                        created.toBuilder().setRetentionDays(90).setDescription("card payments"))
                    .build());
    assertThat(updated.getCreateTime()).isEqualTo(created.getCreateTime());
    assertThat(admin().getService(GetServiceRequest.newBuilder().setName("payments").build()))
        .isEqualTo(updated);
    assertThat(admin().listServices(ListServicesRequest.getDefaultInstance()).getServicesList())
        .extracting(Service::getName)
        .contains("payments");

    admin().deleteService(DeleteServiceRequest.newBuilder().setName("payments").build());
    assertThat(
            codeOf(
                () ->
                    admin().getService(GetServiceRequest.newBuilder().setName("payments").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void invalidInputIsRefusedNamingTheField() {
    assertThatThrownBy(
            () ->
                admin()
                    .createService(
                        CreateServiceRequest.newBuilder()
                            .setService(Service.newBuilder().setName("ok").setBaseUrl("ftp://x"))
                            .build()))
        .hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("service.base_url");
    assertThatThrownBy(
            () ->
                admin()
                    .createApiKey(CreateApiKeyRequest.newBuilder().addScopes("superuser").build()))
        .hasMessageContaining("scopes");
    assertThatThrownBy(
            () ->
                admin().createApiKey(CreateApiKeyRequest.newBuilder().addScopes("ingest").build()))
        .hasMessageContaining("service");
    assertThatThrownBy(
            () ->
                admin()
                    .createCustomer(
                        CreateCustomerRequest.newBuilder()
                            .setCustomer(Customer.newBuilder().setId("c1").setPlan("no-such-plan"))
                            .build()))
        .hasMessageContaining("NOT_FOUND");
  }

  @Test
  void aKeyIsShownOnceStoredHashedUsableAndRevocable() throws Exception {
    admin()
        .createPlan(
            CreatePlanRequest.newBuilder().setPlan(Plan.newBuilder().setId("gold")).build());
    admin()
        .createCustomer(
            CreateCustomerRequest.newBuilder()
                .setCustomer(Customer.newBuilder().setId("globex").setPlan("gold"))
                .build());
    CreateApiKeyResponse created =
        admin()
            .createApiKey(
                CreateApiKeyRequest.newBuilder()
                    .setName("globex ingest")
                    .addScopes("ingest")
                    .setService("shop")
                    .setCustomerId("globex")
                    .setPlan("gold")
                    .build());
    String key = created.getKey();
    assertThat(key).startsWith("tap_" + created.getApiKey().getKeyId() + "_");

    // Never shown again, never stored in clear.
    assertThat(admin().listApiKeys(ListApiKeysRequest.getDefaultInstance()).toString())
        .doesNotContain(key.substring(17));
    try (Connection c = tapline.server().storage().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM api_keys")) {
      while (rs.next()) {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          assertThat(String.valueOf(rs.getObject(i))).doesNotContain(key.substring(17, 43));
        }
      }
    }

    var ingest = IngestServiceGrpc.newBlockingStub(tapline.channel(key));
    IngestRequest batch =
        IngestRequest.newBuilder()
            .addCalls(
                ApiCall.newBuilder()
                    .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                    .setService("shop")
                    .setMethod("GET")
                    .setUrl("https://shop.test/")
                    .setStatusCode(200))
            .build();
    assertThat(ingest.ingest(batch).getAccepted()).isEqualTo(1);
    // A key without the admin scope cannot manage anything.
    assertThat(
            codeOf(
                () ->
                    AdminServiceGrpc.newBlockingStub(tapline.channel(key))
                        .listServices(ListServicesRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);

    admin()
        .revokeApiKey(
            RevokeApiKeyRequest.newBuilder().setKeyId(created.getApiKey().getKeyId()).build());
    // Revoked on this server at once.
    assertThat(codeOf(() -> ingest.ingest(batch))).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void jsonClientsManageServicesAndKeys() throws Exception {
    AggregatedHttpResponse created =
        tapline
            .http()
            .execute(
                HttpRequest.of(
                    HttpMethod.POST,
                    "/v1/services",
                    MediaType.JSON,
                    "{\"name\": \"search\", \"base_url\": \"http://search.internal\","
                        + " \"retention_days\": 14}"))
            .aggregate()
            .join();
    assertThat(created.status().code()).as(created.contentUtf8()).isEqualTo(200);
    JsonNode service =
        json.readTree(tapline.http().get("/v1/services/search").aggregate().join().contentUtf8());
    assertThat(service.get("retentionDays").asInt()).isEqualTo(14);

    AggregatedHttpResponse key =
        tapline
            .http()
            .execute(
                HttpRequest.of(
                    HttpMethod.POST,
                    "/v1/api-keys",
                    MediaType.JSON,
                    "{\"name\": \"dashboards\", \"scopes\": [\"read\"]}"))
            .aggregate()
            .join();
    JsonNode body = json.readTree(key.contentUtf8());
    assertThat(body.get("key").asText()).startsWith("tap_");
    assertThat(body.get("apiKey").get("scopes").get(0).asText()).isEqualTo("read");

    AggregatedHttpResponse missing = tapline.http().get("/v1/services/nope").aggregate().join();
    assertThat(missing.status().code()).isEqualTo(404);
    AggregatedHttpResponse denied =
        tapline.http(body.get("key").asText()).get("/v1/services").aggregate().join();
    assertThat(denied.status().code()).isEqualTo(403);
  }
}
