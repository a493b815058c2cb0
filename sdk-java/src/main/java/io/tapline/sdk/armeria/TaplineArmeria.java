package io.tapline.sdk.armeria;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import com.linecorp.armeria.server.logging.ContentPreviewingService;
import io.netty.util.AsciiString;
import io.tapline.sdk.CapturedCall;
import io.tapline.sdk.TaplineClient;
import java.net.InetAddress;
import java.time.Instant;
import java.util.function.Function;

/**
 * Records the calls an Armeria server serves:
 *
 * <pre>{@code
 * Server.builder()
 *     .service("/users/{id}", usersService)
 *     .decorator(TaplineArmeria.newDecorator(tapline))
 *     ...
 * }</pre>
 *
 * <p>The call is recorded from Armeria's request log once it completes, off the request path.
 * Bodies come from Armeria's content previews (text bodies, up to the client's cap): the decorator
 * adds a {@link ContentPreviewingService} when the client captures bodies. The route is the matched
 * route's pattern ({@code /users/:id} style as Armeria prints it).
 */
public final class TaplineArmeria {

  private TaplineArmeria() {}

  /** A decorator recording every call of the services it decorates. */
  public static Function<? super HttpService, ? extends HttpService> newDecorator(
      TaplineClient client) {
    if (client.capturesBodies()) {
      Function<? super HttpService, ContentPreviewingService> previews =
          ContentPreviewingService.newDecorator(client.maxBodyBytes());
      return delegate -> new Recording(previews.apply(delegate), client);
    }
    return delegate -> new Recording(delegate, client);
  }

  private static final class Recording extends SimpleDecoratingHttpService {
    private final TaplineClient client;

    Recording(HttpService delegate, TaplineClient client) {
      super(delegate);
      this.client = client;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
      if (!client.excludes(ctx.path())) {
        ctx.log().whenComplete().thenAccept(log -> record(ctx, log));
      }
      return unwrap().serve(ctx, req);
    }

    private void record(ServiceRequestContext ctx, RequestLog log) {
      try {
        long startMicros = log.requestStartTimeMicros();
        CapturedCall call =
            CapturedCall.startedAt(Instant.ofEpochSecond(0, startMicros * 1000))
                .latencyNanos(log.totalDurationNanos())
                .method(log.requestHeaders().method().name())
                .url(ctx.uri().toString())
                .route(ctx.config().route().patternString());
        log.requestHeaders()
            .forEach(
                (AsciiString name, String value) -> {
                  if (name.charAt(0) != ':') {
                    call.addRequestHeader(name.toString(), value);
                  }
                });
        log.responseHeaders()
            .forEach(
                (AsciiString name, String value) -> {
                  if (name.charAt(0) != ':') {
                    call.addResponseHeader(name.toString(), value);
                  }
                });
        InetAddress client = ctx.clientAddress();
        if (client != null) {
          call.sourceIp(client.getHostAddress());
        }
        String requestPreview = log.requestContentPreview();
        if (requestPreview != null && !requestPreview.isEmpty()) {
          call.requestBody(requestPreview, log.requestLength());
        } else if (log.requestLength() > 0) {
          call.requestBody((byte[]) null, 0, log.requestLength());
        }
        String responsePreview = log.responseContentPreview();
        if (responsePreview != null && !responsePreview.isEmpty()) {
          call.responseBody(responsePreview, log.responseLength());
        } else if (log.responseLength() > 0) {
          call.responseBody((byte[]) null, 0, log.responseLength());
        }
        Throwable cause = log.responseCause();
        if (cause != null) {
          call.error(cause.toString());
        }
        call.finish(log.responseHeaders().status().code());
        this.client.record(call);
      } catch (RuntimeException ignored) {
        // capturing never fails the host's request
      }
    }
  }
}
