package io.tapline.server.query;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.server.AbstractHttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.tapline.proto.v1.ExportCallsRequest;
import io.tapline.server.api.HttpFailure;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.auth.AuthInterceptor;
import io.tapline.server.storage.CallExport;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The export as a download: {@code POST /v1/calls:export} with an ExportCallsRequest as JSON; the
 * response body is the file, streamed from ClickHouse as the client reads it (the server holds a
 * buffer, not the file). Failures before the first byte are JSON {@code google.rpc.Status} bodies
 * with the HTTP status of their gRPC code.
 */
public final class ExportHttpService extends AbstractHttpService {

  public static final String PATH = "/v1/calls:export";

  /** Bytes read from ClickHouse at a time: {@value}. */
  private static final int BUFFER_BYTES = 256 * 1024;

  private static final DateTimeFormatter FILE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final CallExport export;
  private final AuthInterceptor auth;
  private final Clock clock;

  public ExportHttpService(CallExport export, AuthInterceptor auth, Clock clock) {
    this.export = export;
    this.auth = auth;
    this.clock = clock;
  }

  @Override
  protected HttpResponse doPost(ServiceRequestContext ctx, HttpRequest req) {
    // An export lasts as long as it takes to read (query.export-timeout bounds the query).
    ctx.clearRequestTimeout();
    return HttpResponse.of(
        req.aggregate().thenApplyAsync(request -> serve(ctx, request), ctx.blockingTaskExecutor()));
  }

  private HttpResponse serve(ServiceRequestContext ctx, AggregatedHttpRequest request) {
    try {
      Principal principal =
          auth.check(request.headers().get(HttpHeaderNames.AUTHORIZATION), ctx, Scope.READ);
      ExportCallsRequest.Builder body = ExportCallsRequest.newBuilder();
      String json = request.contentUtf8();
      if (!json.isBlank()) {
        JsonFormat.parser().merge(json, body);
      }
      Exports.Opened opened = Exports.open(export, body.build(), principal, clock.instant());
      ResponseHeaders headers =
          ResponseHeaders.builder(HttpStatus.OK)
              .contentType(MediaType.parse(opened.format().mediaType))
              .set(
                  HttpHeaderNames.CONTENT_DISPOSITION,
                  "attachment; filename=\"calls-"
                      + FILE_TIME.format(clock.instant())
                      + "."
                      + opened.format().extension
                      + "\"")
              .set("x-tapline-export-schema", Integer.toString(CallExport.SCHEMA_VERSION))
              .set("x-tapline-export-columns", String.join(",", opened.columns()))
              .build();
      return HttpResponse.of(
          headers,
          StreamMessage.builder(opened.data())
              .executor(ctx.blockingTaskExecutor())
              .bufferSize(BUFFER_BYTES)
              .build());
    } catch (InvalidProtocolBufferException e) {
      return HttpFailure.of(
              ctx,
              new InvalidRequestException(
                  "body", "is not an ExportCallsRequest as JSON: " + e.getMessage()))
          .json();
    } catch (RuntimeException e) {
      return HttpFailure.of(ctx, e).json();
    }
  }
}
