package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tapline.masking.Masker;
import io.tapline.masking.SensitiveNames;
import io.tapline.server.storage.CallRecord;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredRecordsTest {

  private final StoredRecords stored = new StoredRecords(Masker.defaults(), 64);

  private static CallRecord record(String requestBody, String error, Map<String, String> tags) {
    return new CallRecord(
        "id1",
        Instant.parse("2026-01-01T00:00:00Z"),
        "svc",
        "POST",
        "https://a.test/v1/users/4111111111111111?token=t#id_token=x",
        "/v1/users/4111111111111111",
        "",
        Map.of("token", "t"),
        Map.of("Authorization", "Bearer x"),
        Map.of(),
        requestBody,
        10,
        "",
        0,
        200,
        1000,
        error,
        "",
        tags,
        "",
        "",
        "",
        "",
        "",
        1,
        false,
        false,
        Map.of(),
        Map.of());
  }

  @Test
  void masksEveryPartOfTheRecordAndCutsBodies() {
    CallRecord r =
        stored.toStore(
            record(
                "{\"password\":\"x\",\"note\":\"" + "n".repeat(100) + "\"}",
                "login failed: password=hunter2",
                Map.of("api_token", "t", "region", "eu")),
            SensitiveNames.none(),
            FieldExtractor.NONE,
            "",
            "");
    assertThat(r.url())
        .isEqualTo("https://a.test/v1/users/[masked]?token=[masked]#id_token=[masked]");
    assertThat(r.path()).isEqualTo("/v1/users/[masked]");
    assertThat(r.queryParams()).containsEntry("token", Masker.MASKED);
    assertThat(r.requestHeaders()).containsEntry("Authorization", Masker.MASKED);
    assertThat(r.requestBody()).startsWith("{\"password\":\"[masked]\"").hasSize(64);
    assertThat(r.requestBodyTruncated()).isTrue();
    assertThat(r.error()).isEqualTo("login failed: password=[masked]");
    assertThat(r.tags()).containsEntry("api_token", Masker.MASKED).containsEntry("region", "eu");
  }

  @Test
  void aFieldThatCannotBeMaskedRefusesTheRecordNamingTheField() {
    assertThatThrownBy(
            () ->
                stored.toStore(
                    record(null, "", Map.of()), SensitiveNames.none(), FieldExtractor.NONE, "", ""))
        .isInstanceOfSatisfying(
            MaskingFailedException.class, e -> assertThat(e.field()).isEqualTo("request_body"))
        .hasMessageContaining("could not be masked");
    assertThatThrownBy(
            () ->
                stored.toStore(
                    record("", null, Map.of()), SensitiveNames.none(), FieldExtractor.NONE, "", ""))
        .isInstanceOfSatisfying(
            MaskingFailedException.class, e -> assertThat(e.field()).isEqualTo("error"));
  }
}
