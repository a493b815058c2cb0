package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tapline.server.storage.FieldRule;
import io.tapline.server.storage.FieldRule.Source;
import io.tapline.server.storage.FieldRule.Type;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldExtractorTest {

  private static final FieldExtractor EXTRACTOR =
      new FieldExtractor(
          List.of(
              new FieldRule("label", Type.STRING, Source.RESPONSE_BODY, "/prediction/label"),
              new FieldRule("score", Type.NUMBER, Source.RESPONSE_BODY, "/prediction/score"),
              new FieldRule("age", Type.NUMBER, Source.REQUEST_BODY, "/features/0/age"),
              new FieldRule("flag", Type.STRING, Source.REQUEST_BODY, "/flag"),
              new FieldRule("region", Type.STRING, Source.REQUEST_HEADER, "x-region"),
              new FieldRule("cost", Type.NUMBER, Source.RESPONSE_HEADER, "x-cost")));

  @Test
  void readsBodiesAndHeadersByType() {
    FieldExtractor.Values values =
        EXTRACTOR.extract(
            "{\"features\": [{\"age\": \"41.5\"}], \"flag\": true}",
            "{\"prediction\": {\"label\": \"cat\", \"score\": 0.875}}",
            Map.of("X-Region", "eu-west"),
            Map.of("x-cost", " 12 "));
    assertThat(values.strings())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("label", "cat", "flag", "true", "region", "eu-west"));
    assertThat(values.numbers())
        .containsExactlyInAnyOrderEntriesOf(Map.of("score", 0.875, "age", 41.5, "cost", 12.0));
  }

  @Test
  void givesNoValueForWhatDoesNotFit() {
    assertThat(EXTRACTOR.extract("not json", "{\"prediction\": [1]}", Map.of(), Map.of()))
        .isEqualTo(FieldExtractor.Values.EMPTY);
    FieldExtractor.Values values =
        EXTRACTOR.extract(
            "{\"features\": [{\"age\": \"NaN\"}], \"flag\": {\"nested\": 1}}",
            "{\"prediction\": {\"label\": null, \"score\": \"Infinity\"}}",
            Map.of(),
            Map.of("x-cost", "0x1p3"));
    assertThat(values.strings()).isEmpty();
    assertThat(values.numbers()).isEmpty();
    String deep = "[".repeat(5000) + "]".repeat(5000);
    assertThat(EXTRACTOR.extract(deep, deep, Map.of(), Map.of()))
        .isEqualTo(FieldExtractor.Values.EMPTY);
  }

  @Test
  void cutsLongStrings() {
    String body = "{\"prediction\": {\"label\": \"" + "x".repeat(5000) + "\"}}";
    assertThat(EXTRACTOR.extract("", body, Map.of(), Map.of()).strings().get("label"))
        .hasSize(FieldExtractor.MAX_STRING_CHARS);
  }

  @Test
  void turnsJsonPathIntoJsonPointer() {
    assertThat(FieldRule.pointer("$.prediction.label")).isEqualTo("/prediction/label");
    assertThat(FieldRule.pointer("$.items[0]['a/b~c']")).isEqualTo("/items/0/a~1b~0c");
    assertThat(FieldRule.pointer("/already/0")).isEqualTo("/already/0");
    assertThat(FieldRule.pointer("$")).isEqualTo("");
    assertThatThrownBy(() -> FieldRule.pointer("$..deep")).hasMessageContaining("empty");
    assertThatThrownBy(() -> FieldRule.pointer("$.a[?(@.x)]")).hasMessageContaining("names");
    assertThatThrownBy(() -> FieldRule.pointer("prediction")).hasMessageContaining("JSON Pointer");
  }
}
