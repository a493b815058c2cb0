package io.tapline.server.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real HTTP server on loopback to replay against: echoes requests as JSON, redirects, answers
 * slowly or with a large body.
 */
final class TargetServer implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  final AtomicInteger requests = new AtomicInteger();

  /** The headers of the last request to /echo, as received. */
  final AtomicReference<Map<String, String>> lastEchoHeaders = new AtomicReference<>();

  private final Server server;

  TargetServer() {
    server =
        Server.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .https(new InetSocketAddress("127.0.0.1", 0))
            .tlsSelfSigned()
            .decorator(
                (delegate, ctx, req) -> {
                  requests.incrementAndGet();
                  return delegate.serve(ctx, req);
                })
            .service(
                "/echo",
                (ctx, req) ->
                    HttpResponse.of(
                        req.aggregate()
                            .thenApply(
                                agg -> {
                                  Map<String, Object> echo = new LinkedHashMap<>();
                                  Map<String, String> headers = new LinkedHashMap<>();
                                  agg.headers().forEach((k, v) -> headers.put(k.toString(), v));
                                  lastEchoHeaders.set(Map.copyOf(headers));
                                  echo.put("method", agg.method().name());
                                  echo.put("path", ctx.path());
                                  echo.put("query", ctx.query() == null ? "" : ctx.query());
                                  echo.put("headers", headers);
                                  echo.put("body", agg.contentUtf8());
                                  return HttpResponse.of(
                                      HttpStatus.OK, MediaType.JSON, write(echo));
                                })))
            .service(
                "/order",
                (ctx, req) ->
                    HttpResponse.of(
                        HttpStatus.CREATED,
                        MediaType.JSON,
                        "{\"id\":\"ord_1\",\"status\":\"paid\",\"total\":42,\"lines\":[1],"
                            + "\"region\":\"eu\"}"))
            .service(
                "/redirect",
                (ctx, req) ->
                    HttpResponse.of(
                        ResponseHeaders.of(HttpStatus.FOUND, "location", ctx.queryParam("to"))))
            .service(
                "prefix:/hops/",
                (ctx, req) -> {
                  int n = Integer.parseInt(ctx.mappedPath().substring(1));
                  return n == 0
                      ? HttpResponse.of("done")
                      : HttpResponse.of(
                          ResponseHeaders.of(
                              HttpStatus.TEMPORARY_REDIRECT, "location", "/hops/" + (n - 1)));
                })
            .service(
                "/slow",
                (ctx, req) -> HttpResponse.delayed(HttpResponse.of("late"), Duration.ofSeconds(5)))
            .service("/big", (ctx, req) -> HttpResponse.of("x".repeat(5000)))
            .build();
    server.start().join();
  }

  int port() {
    return server.activeLocalPort(SessionProtocol.HTTP);
  }

  /** The https port, serving a self-signed certificate no client trusts. */
  int httpsPort() {
    return server.activeLocalPort(SessionProtocol.HTTPS);
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> read(String json) {
    try {
      return JSON.readValue(json, Map.class);
    } catch (Exception e) {
      throw new IllegalStateException(json, e);
    }
  }

  @Override
  public void close() {
    server.stop().join();
  }
}
