package io.tapline.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.AbstractHttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.tapline.server.api.HttpFailure;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.auth.AuthInterceptor;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * OTLP/HTTP for traces: {@code POST /v1/traces} with a protobuf ({@code application/x-protobuf}) or
 * JSON ({@code application/json}) body, gzip-compressed or not, answered in the same encoding. The
 * key and the spans take the same path as {@link OtlpTraceService}'s; a failure is an HTTP status
 * with a {@code google.rpc.Status} body (and {@code Retry-After} when retrying helps), as the OTLP
 * specification asks. JSON follows OTLP's rules: trace and span ids are hex, not base64.
 */
public final class OtlpHttpService extends AbstractHttpService {

  /** Where OTLP/HTTP clients send traces. */
  public static final String PATH = "/v1/traces";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType PROTOBUF = MediaType.parse("application/x-protobuf");

  private final OtlpTraceService traces;
  private final AuthInterceptor auth;

  public OtlpHttpService(OtlpTraceService traces, AuthInterceptor auth) {
    this.traces = traces;
    this.auth = auth;
  }

  @Override
  protected HttpResponse doPost(ServiceRequestContext ctx, HttpRequest req) {
    return HttpResponse.of(
        req.aggregate().thenApplyAsync(request -> serve(ctx, request), ctx.blockingTaskExecutor()));
  }

  private HttpResponse serve(ServiceRequestContext ctx, AggregatedHttpRequest request) {
    MediaType type = request.contentType();
    boolean json = type != null && type.is(MediaType.JSON);
    if (!json && (type == null || !"x-protobuf".equals(type.subtype()))) {
      return HttpResponse.of(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          MediaType.PLAIN_TEXT_UTF_8,
          "send application/x-protobuf or application/json");
    }
    try {
      Principal principal =
          auth.check(request.headers().get(HttpHeaderNames.AUTHORIZATION), ctx, Scope.INGEST);
      ExportTraceServiceRequest export =
          json
              ? fromJson(request.contentUtf8())
              : ExportTraceServiceRequest.parseFrom(request.content().array());
      ExportTraceServiceResponse answer = traces.export(export, principal);
      return body(
          ResponseHeaders.builder(HttpStatus.OK).contentType(json ? MediaType.JSON : PROTOBUF),
          answer,
          json);
    } catch (InvalidProtocolBufferException e) {
      return failure(
          ctx,
          Status.INVALID_ARGUMENT
              .withDescription("the body is not an ExportTraceServiceRequest: " + e.getMessage())
              .asRuntimeException(),
          json);
    } catch (RuntimeException e) {
      return failure(ctx, e, json);
    }
  }

  private static HttpResponse failure(ServiceRequestContext ctx, RuntimeException e, boolean json) {
    HttpFailure failure = HttpFailure.of(ctx, e);
    return json ? failure.json() : body(failure.headers(PROTOBUF), failure.body(), false);
  }

  private static HttpResponse body(ResponseHeadersBuilder headers, Message message, boolean json) {
    if (!json) {
      return HttpResponse.of(headers.build(), HttpData.wrap(message.toByteArray()));
    }
    try {
      return HttpResponse.of(headers.build(), HttpData.ofUtf8(JsonFormat.printer().print(message)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An OTLP/JSON export: ids are hex (protobuf's JSON would read them as base64). */
  static ExportTraceServiceRequest fromJson(String text) throws InvalidProtocolBufferException {
    JsonNode tree;
    try {
      tree = JSON.readTree(text);
    } catch (IOException e) {
      throw new InvalidProtocolBufferException("not JSON: " + e.getMessage());
    }
    for (JsonNode resourceSpans : tree.path("resourceSpans")) {
      for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
        for (JsonNode span : scopeSpans.path("spans")) {
          hexToBase64(span, "traceId", "spanId", "parentSpanId");
          for (JsonNode link : span.path("links")) {
            hexToBase64(link, "traceId", "spanId");
          }
        }
      }
    }
    ExportTraceServiceRequest.Builder export = ExportTraceServiceRequest.newBuilder();
    JsonFormat.parser().ignoringUnknownFields().merge(tree.toString(), export);
    return export.build();
  }

  private static void hexToBase64(JsonNode node, String... fields)
      throws InvalidProtocolBufferException {
    if (!(node instanceof ObjectNode object)) {
      return;
    }
    for (String field : fields) {
      JsonNode value = object.get(field);
      if (value != null && value.isTextual() && !value.asText().isEmpty()) {
        try {
          byte[] id = HexFormat.of().parseHex(value.asText());
          object.put(field, Base64.getEncoder().encodeToString(id));
        } catch (IllegalArgumentException e) {
          throw new InvalidProtocolBufferException(field + " is not hex: " + value.asText());
        }
      }
    }
  }
}
