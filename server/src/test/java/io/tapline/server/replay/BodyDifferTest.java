package io.tapline.server.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.storage.ReplayRecord.BodyDiff;
import io.tapline.server.storage.ReplayRecord.FieldChange;
import org.junit.jupiter.api.Test;

class BodyDifferTest {

  @Test
  void equalBodiesAreIdentical() {
    assertThat(BodyDiffer.diff("{\"a\":1}", "{\"a\":1}", "").kind()).isEqualTo("IDENTICAL");
  }

  @Test
  void jsonBodiesAreComparedFieldByField() {
    BodyDiff d =
        BodyDiffer.diff(
            "{\"id\":1,\"status\":\"new\",\"old\":true,\"items\":[1,2,3],\"n\":{\"x\":1.0}}",
            "{\"status\":\"paid\", \"id\":1, \"items\":[1,5], \"n\":{\"x\":1, \"y\":null},"
                + " \"extra\":{\"k\":\"v\"}}",
            "");
    assertThat(d.kind()).isEqualTo("JSON");
    assertThat(d.added())
        .containsExactlyInAnyOrder(
            new FieldChange("/n/y", "", "null"), new FieldChange("/extra", "", "{\"k\":\"v\"}"));
    assertThat(d.removed())
        .containsExactlyInAnyOrder(
            new FieldChange("/old", "true", ""), new FieldChange("/items/2", "3", ""));
    assertThat(d.changed())
        .containsExactlyInAnyOrder(
            new FieldChange("/status", "\"new\"", "\"paid\""),
            new FieldChange("/items/1", "2", "5"));
    assertThat(d.textDiff()).isEmpty();
  }

  @Test
  void reorderedJsonIsEqualAsJson() {
    BodyDiff d = BodyDiffer.diff("{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}", "");
    assertThat(d.kind()).isEqualTo("JSON");
    assertThat(d.added()).isEmpty();
    assertThat(d.removed()).isEmpty();
    assertThat(d.changed()).isEmpty();
  }

  @Test
  void fieldsMaskedInTheOriginalAreNotCompared() {
    BodyDiff d =
        BodyDiffer.diff("{\"token\":\"[masked]\",\"a\":1}", "{\"token\":\"t-1\",\"a\":2}", "");
    assertThat(d.changed()).containsExactly(new FieldChange("/a", "1", "2"));
  }

  @Test
  void otherBodiesFallBackToALineDiff() {
    BodyDiff d = BodyDiffer.diff("one\ntwo\nthree", "one\n2\nthree\nfour", "");
    assertThat(d.kind()).isEqualTo("TEXT");
    assertThat(d.textDiff()).containsExactly("- two", "+ 2", "+ four");

    BodyDiff mixed = BodyDiffer.diff("{\"a\":1}", "<html>error</html>", "");
    assertThat(mixed.kind()).isEqualTo("TEXT");
    assertThat(mixed.textDiff()).containsExactly("- {\"a\":1}", "+ <html>error</html>");
  }

  @Test
  void largeDiffsAreBounded() {
    StringBuilder a = new StringBuilder("{");
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < 1000; i++) {
      a.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
      b.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(-i - 1);
    }
    BodyDiff d = BodyDiffer.diff(a.append('}').toString(), b.append('}').toString(), "");
    assertThat(d.changed()).hasSize(BodyDiffer.MAX_ENTRIES);
    assertThat(d.truncated()).isTrue();
  }
}
