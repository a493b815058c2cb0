package io.tapline.sdk;

import com.google.protobuf.Timestamp;
import io.tapline.masking.Masker;
import io.tapline.proto.v1.ApiCall;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Turns a {@link CapturedCall} into the wire record on the sender thread: lower-cased header names,
 * masked secrets, bodies cut to the cap and decoded (text as UTF-8, anything else base64-encoded),
 * the client's service name and labels filled in.
 */
final class CallConverter {

  private final String serviceName;
  private final Masker masking;
  private final int maxBodyBytes;

  CallConverter(String serviceName, Masker masking, int maxBodyBytes) {
    this.serviceName = serviceName;
    this.masking = masking;
    this.maxBodyBytes = maxBodyBytes;
  }

  ApiCall toProto(CapturedCall call) {
    ApiCall.Builder b =
        ApiCall.newBuilder()
            .setTimestamp(Timestamp.newBuilder().setSeconds(call.epochSecond).setNanos(call.nanos))
            .setService(orElse(call.service, serviceName))
            .setMethod(orElse(call.method, "GET").toUpperCase(Locale.ROOT))
            .setUrl(masking.uriSafeUrl(orElse(call.url, "/")))
            .setStatusCode(call.statusCode)
            .setLatencyMs(Math.max(0, call.latencyNanos) / 1_000_000.0)
            .setSampleRate(call.sampleRate);
    if (call.route != null) {
      b.setRoute(call.route);
    }
    if (call.error != null) {
      b.setError(masking.text(call.error));
    }
    if (call.sourceIp != null) {
      b.setSourceIp(call.sourceIp);
    }
    if (call.traceId != null) {
      b.setTraceId(call.traceId);
    }
    if (call.spanId != null) {
      b.setSpanId(call.spanId);
    }
    if (call.customerId != null) {
      b.setCustomerId(call.customerId);
    }
    if (call.apiKeyId != null) {
      b.setApiKeyId(call.apiKeyId);
    }
    if (call.plan != null) {
      b.setPlan(call.plan);
    }
    for (int i = 0; i < call.requestHeaderCount; i++) {
      String name = call.requestHeaders[2 * i].toLowerCase(Locale.ROOT);
      b.putRequestHeaders(name, header(name, call.requestHeaders[2 * i + 1]));
    }
    for (int i = 0; i < call.responseHeaderCount; i++) {
      String name = call.responseHeaders[2 * i].toLowerCase(Locale.ROOT);
      b.putResponseHeaders(name, header(name, call.responseHeaders[2 * i + 1]));
    }
    for (int i = 0; i < call.tagCount; i++) {
      String key = call.tags[2 * i];
      b.putTags(key, masking.tag(key, call.tags[2 * i + 1]));
    }
    if (call.requestText != null) {
      b.setRequestBody(text(call.requestText, call.requestHeader("content-type")));
      b.setRequestBodySize(Math.max(call.requestBodySize, 0));
    } else if (call.requestBody != null) {
      String type = call.requestHeader("content-type");
      b.setRequestBody(body(call.requestBody, call.requestBodyLength, type));
      b.setRequestBodySize(Math.max(call.requestBodySize, call.requestBodyLength));
    } else if (call.requestBodySize > 0) {
      b.setRequestBodySize(call.requestBodySize);
    }
    if (call.responseText != null) {
      b.setResponseBody(text(call.responseText, call.responseHeader("content-type")));
      b.setResponseBodySize(Math.max(call.responseBodySize, 0));
    } else if (call.responseBody != null) {
      String type = call.responseHeader("content-type");
      b.setResponseBody(body(call.responseBody, call.responseBodyLength, type));
      b.setResponseBodySize(Math.max(call.responseBodySize, call.responseBodyLength));
    } else if (call.responseBodySize > 0) {
      b.setResponseBodySize(call.responseBodySize);
    }
    return b.build();
  }

  private String header(String lowerCaseName, String value) {
    return masking.isSensitiveHeader(lowerCaseName) ? Masker.MASKED : value;
  }

  private String body(byte[] bytes, int length, String contentType) {
    int kept = Math.min(length, maxBodyBytes);
    if (kept <= 0) {
      return "";
    }
    if (isText(contentType)) {
      return masking.body(new String(bytes, 0, kept, StandardCharsets.UTF_8), contentType);
    }
    return Base64.getEncoder()
        .encodeToString(kept == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, kept));
  }

  private String text(String text, String contentType) {
    if (text.length() > maxBodyBytes) {
      text = text.substring(0, maxBodyBytes);
    }
    return masking.body(text, contentType);
  }

  static boolean isText(String contentType) {
    if (contentType == null || contentType.isEmpty()) {
      return true;
    }
    String t = contentType.toLowerCase(Locale.ROOT);
    return t.startsWith("text/")
        || t.contains("json")
        || t.contains("xml")
        || t.contains("x-www-form-urlencoded")
        || t.contains("javascript")
        || t.contains("graphql")
        || t.contains("yaml")
        || t.contains("csv");
  }

  private static String orElse(String value, String fallback) {
    return value == null || value.isEmpty() ? fallback : value;
  }
}
