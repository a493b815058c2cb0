package io.tapline.server.query;

import io.tapline.proto.v1.ApiCall;
import io.tapline.server.api.Times;
import io.tapline.server.storage.CallRecord;

/** Stored calls as the API shows them. */
final class CallProtos {

  private CallProtos() {}

  static ApiCall toProto(CallRecord call) {
    return ApiCall.newBuilder()
        .setId(call.id())
        .setTimestamp(Times.timestamp(call.timestamp()))
        .setService(call.service())
        .setMethod(call.method())
        .setUrl(call.url())
        .setPath(call.path())
        .setRoute(call.route())
        .putAllQueryParams(call.queryParams())
        .putAllRequestHeaders(call.requestHeaders())
        .putAllResponseHeaders(call.responseHeaders())
        .setRequestBody(call.requestBody())
        .setRequestBodySize(call.requestBodySize())
        .setResponseBody(call.responseBody())
        .setResponseBodySize(call.responseBodySize())
        .setStatusCode(call.statusCode())
        .setLatencyMs(call.latencyMicros() / 1000.0)
        .setError(call.error())
        .setSourceIp(call.sourceIp())
        .putAllTags(call.tags())
        .setTraceId(call.traceId())
        .setSpanId(call.spanId())
        .setCustomerId(call.customerId())
        .setApiKeyId(call.apiKeyId())
        .setPlan(call.plan())
        .setSampleRate(call.sampleRate())
        .setRequestBodyTruncated(call.requestBodyTruncated())
        .setResponseBodyTruncated(call.responseBodyTruncated())
        .putAllStringFields(call.stringFields())
        .putAllNumberFields(call.numberFields())
        .build();
  }
}
