package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.tapline.proto.v1.ApiCall;
import io.tapline.server.config.ConfigLoader;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CallValidatorTest {

  private final CallValidator validator =
      new CallValidator(
          ConfigLoader.load(new String[0]).ingest(),
          Clock.fixed(Instant.ofEpochSecond(1_790_000_100L), ZoneOffset.UTC));

  private static ApiCall.Builder valid() {
    return ApiCall.newBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(1_790_000_000L))
        .setService("svc")
        .setMethod("GET")
        .setUrl("https://api.example.com/a%20b/c?q=caf%C3%A9&flag&q=second")
        .setStatusCode(200)
        .setLatencyMs(1.25);
  }

  private String refusedField(ApiCall.Builder call) {
    CallValidator.Result result = validator.validate(call.build());
    assertThat(result.accepted()).isFalse();
    return result.field();
  }

  @Test
  void derivesPathQueryAndSizes() {
    CallValidator.Result result = validator.validate(valid().setResponseBody("héllo").build());
    assertThat(result.accepted()).isTrue();
    assertThat(result.record().path()).isEqualTo("/a%20b/c");
    assertThat(result.record().queryParams()).containsEntry("q", "café").containsEntry("flag", "");
    assertThat(result.record().responseBodySize()).isEqualTo(6);
    assertThat(result.record().latencyMicros()).isEqualTo(1250);
    assertThat(result.record().id()).isNotEmpty();
  }

  @Test
  void refusesEachBrokenRuleNamingTheField() {
    assertThat(refusedField(valid().clearTimestamp())).isEqualTo("timestamp");
    assertThat(refusedField(valid().setService(""))).isEqualTo("service");
    assertThat(refusedField(valid().setService("s".repeat(129)))).isEqualTo("service");
    assertThat(refusedField(valid().setMethod("get"))).isEqualTo("method");
    assertThat(refusedField(valid().setUrl(""))).isEqualTo("url");
    assertThat(refusedField(valid().setUrl("http://a b"))).isEqualTo("url");
    assertThat(refusedField(valid().setStatusCode(600))).isEqualTo("status_code");
    assertThat(refusedField(valid().setLatencyMs(-1))).isEqualTo("latency_ms");
    assertThat(refusedField(valid().setLatencyMs(Double.NaN))).isEqualTo("latency_ms");
    assertThat(refusedField(valid().setSourceIp("example.com"))).isEqualTo("source_ip");
    assertThat(refusedField(valid().setId("has space"))).isEqualTo("id");
    assertThat(refusedField(valid().setTraceId("t".repeat(300)))).isEqualTo("trace_id");
  }

  @Test
  void boundsTagsQueryParametersPathAndErrorText() {
    assertThat(refusedField(valid().putTags("k", "v".repeat(4097)))).isEqualTo("tags");
    assertThat(refusedField(valid().putTags("k".repeat(129), "v"))).isEqualTo("tags");
    assertThat(refusedField(valid().putTags("", "v"))).isEqualTo("tags");
    ApiCall.Builder manyTags = valid();
    for (int i = 0; i < 65; i++) {
      manyTags.putTags("t" + i, "v");
    }
    assertThat(refusedField(manyTags)).isEqualTo("tags");
    assertThat(validator.validate(valid().putTags("k", "é".repeat(2048)).build()).accepted())
        .isTrue();
    assertThat(refusedField(valid().putTags("k", "é".repeat(2049)))).isEqualTo("tags");

    assertThat(refusedField(valid().putQueryParams("q", "x".repeat(8192))))
        .isEqualTo("query_params");
    ApiCall.Builder manyParams = valid();
    for (int i = 0; i < 101; i++) {
      manyParams.putQueryParams("p" + i, "v");
    }
    assertThat(refusedField(manyParams)).isEqualTo("query_params");
    StringBuilder url = new StringBuilder("https://a.test/?");
    for (int i = 0; i < 101; i++) {
      url.append("p").append(i).append("=v&");
    }
    assertThat(refusedField(valid().setUrl(url.toString()))).isEqualTo("query_params");

    // A name quoted in a reason is cut short, never between the halves of a surrogate pair.
    String reason =
        validator.validate(valid().putTags("k".repeat(63) + "🙂".repeat(40), "v").build()).reason();
    assertThat(reason).contains("k".repeat(63) + "...");
    assertThat(reason.codePoints().noneMatch(c -> Character.getType(c) == Character.SURROGATE))
        .isTrue();

    assertThat(refusedField(valid().setPath("/" + "p".repeat(8192)))).isEqualTo("path");
    assertThat(refusedField(valid().setError("e".repeat(65537)))).isEqualTo("error");
    assertThat(validator.validate(valid().setError("e".repeat(65536)).build()).accepted()).isTrue();
  }

  @Test
  void checksMethodsShortFieldsAndReadsQueriesOfEveryShape() {
    assertThat(refusedField(valid().setMethod(""))).isEqualTo("method");
    assertThat(refusedField(valid().setMethod("A".repeat(17)))).isEqualTo("method");
    assertThat(refusedField(valid().setMethod("GET "))).isEqualTo("method");
    assertThat(validator.validate(valid().setMethod("A".repeat(16)).build()).accepted()).isTrue();
    assertThat(refusedField(valid().setSpanId("s".repeat(257)))).isEqualTo("span_id");
    assertThat(refusedField(valid().setCustomerId("c".repeat(257)))).isEqualTo("customer_id");
    assertThat(refusedField(valid().setApiKeyId("k".repeat(257)))).isEqualTo("api_key_id");
    assertThat(refusedField(valid().setPlan("p".repeat(257)))).isEqualTo("plan");
    assertThat(validator.validate(valid().setPlan("p".repeat(256)).build()).accepted()).isTrue();

    CallValidator.Result result =
        validator.validate(valid().setUrl("http://h.test?a=1&&b=%20&a=2&c&=x&d=a+b#f=g").build());
    assertThat(result.record().path()).isEqualTo("/");
    assertThat(result.record().queryParams())
        .containsExactly(
            java.util.Map.entry("a", "1"),
            java.util.Map.entry("b", " "),
            java.util.Map.entry("c", ""),
            java.util.Map.entry("", "x"),
            java.util.Map.entry("d", "a b"));
    // Forms java.net.URI reads as a relative reference, or refuses with its reason.
    assertThat(validator.validate(valid().setUrl("/v1/x?y=2").build()).record().path())
        .isEqualTo("/v1/x");
    assertThat(validator.validate(valid().setUrl("http://[::1]:8080/x?q").build()).record().path())
        .isEqualTo("/x");
    CallValidator.Result refused = validator.validate(valid().setUrl("http://h/a%2").build());
    assertThat(refused.reason()).isEqualTo("is not a valid URL: Malformed escape pair");
  }

  @Test
  void acceptsIpv4AndIpv6Literals() {
    assertThat(validator.validate(valid().setSourceIp("192.0.2.1").build()).accepted()).isTrue();
    assertThat(validator.validate(valid().setSourceIp("::ffff:192.0.2.1").build()).accepted())
        .isTrue();
  }

  @Test
  void refusesUrlsAndHeadersOverTheLimits() {
    assertThat(refusedField(valid().setUrl("https://x.test/" + "a".repeat(8192)))).isEqualTo("url");
    ApiCall.Builder manyHeaders = valid();
    for (int i = 0; i <= 100; i++) {
      manyHeaders.putRequestHeaders("h" + i, "v");
    }
    assertThat(refusedField(manyHeaders)).isEqualTo("request_headers");
    assertThat(refusedField(valid().putResponseHeaders("big", "x".repeat(8190))))
        .isEqualTo("response_headers");
    assertThat(
            validator
                .validate(valid().putResponseHeaders("ok", "x".repeat(8000)).build())
                .accepted())
        .isTrue();
  }

  @Test
  void refusesTimestampsTooFarInTheFutureOrPast() {
    long now = 1_790_000_100L;
    assertThat(refusedField(valid().setTimestamp(Timestamp.newBuilder().setSeconds(now + 301))))
        .isEqualTo("timestamp");
    assertThat(
            refusedField(
                valid().setTimestamp(Timestamp.newBuilder().setSeconds(now - 7 * 86_400 - 1))))
        .isEqualTo("timestamp");
    assertThat(
            validator
                .validate(
                    valid().setTimestamp(Timestamp.newBuilder().setSeconds(now + 299)).build())
                .accepted())
        .isTrue();
    assertThat(
            validator
                .validate(
                    valid()
                        .setTimestamp(Timestamp.newBuilder().setSeconds(now - 6 * 86_400))
                        .build())
                .accepted())
        .isTrue();
  }

  @Test
  void givesRecordsOfANamedBatchStableIds() {
    Ids.BatchKey key = Ids.BatchKey.of("svc", "batch-1");
    String first = validator.validate(valid().build(), key, 3).record().id();
    assertThat(
            validator.validate(valid().build(), Ids.BatchKey.of("svc", "batch-1"), 3).record().id())
        .isEqualTo(first);
    assertThat(validator.validate(valid().build(), key, 4).record().id()).isNotEqualTo(first);
    assertThat(
            validator.validate(valid().build(), Ids.BatchKey.of("svc", "batch-2"), 3).record().id())
        .isNotEqualTo(first);
    assertThat(validator.validate(valid().setId("mine").build(), key, 3).record().id())
        .isEqualTo("mine");
  }

  @Test
  void derivesEachServicesKeyOnceInABatchThatMixesServices() {
    Ids.BatchKeys keys = new Ids.BatchKeys("batch-1");
    Ids.BatchKey a = keys.of("a");
    assertThat(keys.of("b")).isEqualTo(Ids.BatchKey.of("b", "batch-1"));
    assertThat(keys.of("a")).isSameAs(a).isEqualTo(Ids.BatchKey.of("a", "batch-1"));
    assertThat(keys.of("b").batchId()).isEqualTo("batch-1");
  }

  @Test
  void truncatesOnACharacterBoundary() {
    assertThat(CallValidator.truncate("abcdef", 4)).isEqualTo("abcd");
    assertThat(CallValidator.truncate("abc", 4)).isEqualTo("abc");
    assertThat(CallValidator.truncate("aéé", 4)).isEqualTo("aé"); // é is 2 bytes
    assertThat(CallValidator.truncate("a😀b", 4)).isEqualTo("a");
    assertThat(CallValidator.truncate("a😀b", 5)).isEqualTo("a😀");
  }
}
