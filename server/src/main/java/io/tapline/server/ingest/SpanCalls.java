package io.tapline.server.ingest;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.server.api.GrpcHttpStatus;
import io.tapline.server.api.Times;
import io.tapline.server.storage.ServiceRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * OTLP spans as API calls. SERVER spans become calls (CLIENT spans too for a service that opts in),
 * read with the HTTP semantic conventions (stable names and the older ones) or, for gRPC spans, the
 * RPC ones (the method path as route); other spans are left out and counted. {@code service.name}
 * of the span's resource gives the service; trace and span ids are kept, and together give the
 * call's id, so an export sent again is stored once (its batch id is a digest of the export).
 */
final class SpanCalls {

  private static final HexFormat HEX = HexFormat.of();
  private static final String REQUEST_HEADER = "http.request.header.";
  private static final String RESPONSE_HEADER = "http.response.header.";

  /**
   * An export as a batch.
   *
   * @param batch the SERVER spans as calls, in the export's order
   * @param ignored spans of other kinds, left out
   */
  record Mapped(IngestRequest batch, int ignored) {}

  private SpanCalls() {}

  /**
   * @param settings how each service's spans become calls (its CLIENT spans too, the attributes
   *     naming customer and plan)
   */
  static Mapped of(
      ExportTraceServiceRequest export, Function<String, ServiceRecord.Otlp> settings) {
    IngestRequest.Builder batch = IngestRequest.newBuilder();
    MessageDigest digest = sha256();
    ByteBuffer times = ByteBuffer.allocate(2 * Long.BYTES);
    int ignored = 0;
    for (ResourceSpans resourceSpans : export.getResourceSpansList()) {
      List<KeyValue> resource = resourceSpans.getResource().getAttributesList();
      String service = string(resource, "service.name");
      ServiceRecord.Otlp otlp =
          service.isEmpty() ? ServiceRecord.Otlp.NONE : settings.apply(service);
      digest.update(service.getBytes(StandardCharsets.UTF_8));
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          // What identifies a span, so that the same export sent again gets the same batch id.
          digest.update(span.getTraceId().asReadOnlyByteBuffer());
          digest.update(span.getSpanId().asReadOnlyByteBuffer());
          digest.update(
              times
                  .clear()
                  .putLong(span.getStartTimeUnixNano())
                  .putLong(span.getEndTimeUnixNano())
                  .flip());
          if (span.getKind() == Span.SpanKind.SPAN_KIND_SERVER
              || (otlp.clientSpans() && span.getKind() == Span.SpanKind.SPAN_KIND_CLIENT)) {
            batch.addCalls(call(service, span, otlp, resource));
          } else {
            ignored++;
          }
        }
      }
    }
    batch.setBatchId("otlp-" + HEX.formatHex(digest.digest(), 0, 16));
    return new Mapped(batch.build(), ignored);
  }

  /** What one SERVER span says about its call. */
  private static final class Attributes {
    String method = "";
    String url = "";
    String scheme = "";
    String host = "";
    String port = "";
    String path = "";
    String query = "";
    String target = "";
    String route = "";
    long status;
    String clientAddress = "";
    String userAgent = "";
    String errorType = "";
    String rpcSystem = "";
    String rpcService = "";
    String rpcMethod = "";
    long grpcStatus = -1;
    final Map<String, String> requestHeaders = new TreeMap<>();
    final Map<String, String> responseHeaders = new TreeMap<>();

    void read(KeyValue kv) {
      AnyValue v = kv.getValue();
      String key = kv.getKey();
      switch (key) {
        case "http.request.method", "http.method" -> method = text(v);
        case "url.full", "http.url" -> url = text(v);
        case "url.scheme", "http.scheme" -> scheme = text(v);
        case "server.address", "http.host", "net.host.name" -> host = text(v);
        case "server.port", "net.host.port" -> port = text(v);
        case "url.path" -> path = text(v);
        case "url.query" -> query = text(v);
        case "http.target" -> target = text(v);
        case "http.route" -> route = text(v);
        case "http.response.status_code", "http.status_code" -> status = number(v);
        case "client.address", "net.peer.ip", "net.sock.peer.addr", "http.client_ip" ->
            clientAddress = text(v);
        case "user_agent.original", "http.user_agent" -> userAgent = text(v);
        case "error.type" -> errorType = text(v);
        case "rpc.system" -> rpcSystem = text(v);
        case "rpc.service" -> rpcService = text(v);
        case "rpc.method" -> rpcMethod = text(v);
        case "rpc.grpc.status_code" -> grpcStatus = number(v);
        default -> {
          if (key.startsWith(REQUEST_HEADER)) {
            requestHeaders.put(header(key, REQUEST_HEADER), text(v));
          } else if (key.startsWith(RESPONSE_HEADER)) {
            responseHeaders.put(header(key, RESPONSE_HEADER), text(v));
          }
        }
      }
    }
  }

  private static ApiCall call(
      String service, Span span, ServiceRecord.Otlp otlp, List<KeyValue> resource) {
    Attributes a = new Attributes();
    span.getAttributesList().forEach(a::read);
    boolean rpc = a.method.isEmpty() && !a.rpcSystem.isEmpty();
    String traceId = hex(span.getTraceId());
    String spanId = hex(span.getSpanId());
    boolean failed = span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
    String route = rpc ? "/" + a.rpcService + "/" + a.rpcMethod : a.route;
    ApiCall.Builder call =
        ApiCall.newBuilder()
            .setService(service)
            .setTimestamp(Times.timestamp(Instant.ofEpochSecond(0, span.getStartTimeUnixNano())))
            .setMethod(rpc ? "POST" : a.method.toUpperCase(Locale.ROOT))
            .setUrl(url(a, rpc ? route : ""))
            .setRoute(route)
            .setStatusCode(statusCode(a, rpc, failed))
            .setLatencyMs(
                Math.max(0, span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1e6)
            .setSourceIp(a.clientAddress)
            .putAllRequestHeaders(a.requestHeaders)
            .putAllResponseHeaders(a.responseHeaders)
            .setTraceId(traceId)
            .setSpanId(spanId);
    if (!a.userAgent.isEmpty()) {
      call.putRequestHeaders("user-agent", a.userAgent);
    }
    if (!a.errorType.isEmpty()) {
      call.setError(a.errorType);
    } else if (failed) {
      String message = span.getStatus().getMessage();
      call.setError(message.isEmpty() ? "error" : message);
    }
    call.setCustomerId(named(otlp.customerAttribute(), span, resource));
    call.setPlan(named(otlp.planAttribute(), span, resource));
    if (!traceId.isEmpty() && !spanId.isEmpty()) {
      call.setId(traceId + spanId);
    }
    return call.build();
  }

  /** The url: the full one when the span has it, else built from its parts. */
  private static String url(Attributes a, String rpcPath) {
    if (!a.url.isEmpty()) {
      return a.url;
    }
    String scheme = a.scheme.isEmpty() ? "http" : a.scheme;
    String host = a.host.isEmpty() ? "unknown" : a.host;
    String port = a.port.isEmpty() || host.contains(":") ? "" : ":" + a.port;
    String pathAndQuery;
    if (!rpcPath.isEmpty()) {
      pathAndQuery = rpcPath;
    } else if (!a.path.isEmpty()) {
      pathAndQuery = a.path + (a.query.isEmpty() ? "" : "?" + a.query);
    } else {
      pathAndQuery = a.target.isEmpty() ? "/" : a.target;
    }
    return scheme + "://" + host + port + pathAndQuery;
  }

  /** The span's HTTP status, or its gRPC status's; without either, from its outcome. */
  private static int statusCode(Attributes a, boolean rpc, boolean failed) {
    if (rpc && a.grpcStatus >= 0) {
      return GrpcHttpStatus.of(io.grpc.Status.fromCodeValue((int) a.grpcStatus).getCode());
    }
    if (!rpc && a.status != 0) {
      return (int) a.status;
    }
    return failed ? 500 : 200;
  }

  /** The value of the attribute {@code name} of the span, else of its resource; empty for none. */
  private static String named(String name, Span span, List<KeyValue> resource) {
    if (name.isEmpty()) {
      return "";
    }
    String value = string(span.getAttributesList(), name);
    return value.isEmpty() ? string(resource, name) : value;
  }

  /** The value of an attribute as text, or empty. */
  private static String string(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return text(kv.getValue());
      }
    }
    return "";
  }

  /** An attribute's value as text: strings as they are, arrays (header values) joined. */
  private static String text(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case ARRAY_VALUE -> {
        StringBuilder joined = new StringBuilder();
        for (AnyValue item : v.getArrayValue().getValuesList()) {
          joined.append(joined.isEmpty() ? "" : ", ").append(text(item));
        }
        yield joined.toString();
      }
      default -> "";
    };
  }

  private static long number(AnyValue v) {
    return switch (v.getValueCase()) {
      case INT_VALUE -> v.getIntValue();
      case STRING_VALUE -> {
        try {
          yield Long.parseLong(v.getStringValue().strip());
        } catch (NumberFormatException e) {
          yield 0;
        }
      }
      case DOUBLE_VALUE -> (long) v.getDoubleValue();
      default -> 0;
    };
  }

  private static String header(String key, String prefix) {
    return key.substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String hex(ByteString bytes) {
    return HEX.formatHex(bytes.toByteArray());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
