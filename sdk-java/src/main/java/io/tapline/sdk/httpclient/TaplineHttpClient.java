package io.tapline.sdk.httpclient;

import io.tapline.sdk.BodyCapture;
import io.tapline.sdk.CapturedCall;
import io.tapline.sdk.TaplineClient;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} that records the calls it makes (outbound calls) and otherwise behaves as
 * the client it wraps:
 *
 * <pre>{@code
 * HttpClient http = TaplineHttpClient.wrap(HttpClient.newHttpClient(), tapline);
 * }</pre>
 *
 * <p>Each call is recorded under the remote host's name as its service (or a name given with {@link
 * #wrap(HttpClient, TaplineClient, Function)}), tagged {@code direction=outbound}. The response
 * body is captured as the body handler consumes it, when it was read completely by the time the
 * response is returned (string, byte array and similar handlers); streamed bodies are not. Request
 * bodies are not captured (a body publisher may be read only once); their declared length is
 * recorded. A call that fails without a response is recorded with status 599 and the error.
 */
public final class TaplineHttpClient extends HttpClient {

  /** Recorded for calls that got no response (connection refused, timeout, ...): {@value}. */
  public static final int NO_RESPONSE_STATUS = 599;

  private final HttpClient delegate;
  private final TaplineClient tapline;
  private final Function<URI, String> serviceName;

  private TaplineHttpClient(
      HttpClient delegate, TaplineClient tapline, Function<URI, String> serviceName) {
    this.delegate = delegate;
    this.tapline = tapline;
    this.serviceName = serviceName;
  }

  /** Wraps {@code delegate}; calls are recorded under the host they go to. */
  public static HttpClient wrap(HttpClient delegate, TaplineClient tapline) {
    return wrap(delegate, tapline, URI::getHost);
  }

  /** Wraps {@code delegate}; {@code serviceName} names the service each call goes to. */
  public static HttpClient wrap(
      HttpClient delegate, TaplineClient tapline, Function<URI, String> serviceName) {
    return new TaplineHttpClient(delegate, tapline, serviceName);
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Capture capture = start(request);
    if (capture == null) {
      return delegate.send(request, handler);
    }
    try {
      HttpResponse<T> response = delegate.send(request, capture.wrap(handler));
      capture.done(response, null);
      return response;
    } catch (IOException | RuntimeException e) {
      capture.done(null, e);
      throw e;
    } catch (InterruptedException e) {
      capture.done(null, e);
      throw e;
    }
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    Capture capture = start(request);
    if (capture == null) {
      return delegate.sendAsync(request, handler);
    }
    return delegate
        .sendAsync(request, capture.wrap(handler))
        .whenComplete((response, failure) -> capture.done(response, failure));
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
    Capture capture = start(request);
    if (capture == null) {
      return delegate.sendAsync(request, handler, pushPromiseHandler);
    }
    return delegate
        .sendAsync(request, capture.wrap(handler), pushPromiseHandler)
        .whenComplete((response, failure) -> capture.done(response, failure));
  }

  private Capture start(HttpRequest request) {
    try {
      URI uri = request.uri();
      if (tapline.excludes(uri.getRawPath())) {
        return null;
      }
      CapturedCall call =
          CapturedCall.start()
              .service(serviceName.apply(uri))
              .method(request.method())
              .url(uri.toString())
              .tag("direction", "outbound");
      addHeaders(request.headers(), call, true);
      request
          .bodyPublisher()
          .ifPresent(
              body -> {
                if (body.contentLength() > 0) {
                  call.requestBody((byte[]) null, 0, body.contentLength());
                }
              });
      return new Capture(
          call, tapline.capturesBodies() ? new BodyCapture(tapline.maxBodyBytes()) : null);
    } catch (RuntimeException e) {
      return null; // capturing never fails the host's call
    }
  }

  private static void addHeaders(HttpHeaders headers, CapturedCall call, boolean request) {
    for (Map.Entry<String, List<String>> e : headers.map().entrySet()) {
      if (e.getKey().startsWith(":")) {
        continue;
      }
      String value =
          e.getValue().size() == 1 ? e.getValue().get(0) : String.join(", ", e.getValue());
      if (request) {
        call.addRequestHeader(e.getKey(), value);
      } else {
        call.addResponseHeader(e.getKey(), value);
      }
    }
  }

  private final class Capture {
    final CapturedCall call;
    final BodyCapture body;
    volatile boolean bodyComplete;

    Capture(CapturedCall call, BodyCapture body) {
      this.call = call;
      this.body = body;
    }

    <T> HttpResponse.BodyHandler<T> wrap(HttpResponse.BodyHandler<T> handler) {
      if (body == null) {
        return handler;
      }
      return info -> new TeeSubscriber<>(handler.apply(info), this);
    }

    void done(HttpResponse<?> response, Throwable failure) {
      try {
        if (response != null) {
          addHeaders(response.headers(), call, false);
          if (body != null && bodyComplete) {
            body.toResponse(call);
          }
          call.finish(response.statusCode());
        } else {
          Throwable cause =
              failure instanceof CompletionException || failure instanceof ExecutionException
                  ? failure.getCause()
                  : failure;
          call.error(String.valueOf(cause));
          call.finish(NO_RESPONSE_STATUS);
          if (cause instanceof HttpTimeoutException) {
            call.tag("error.kind", "timeout");
          }
        }
        tapline.record(call);
      } catch (RuntimeException ignored) {
        // never into the host's call
      }
    }
  }

  /** Passes the body on unchanged, copying its first bytes as they go by. */
  private static final class TeeSubscriber<T> implements HttpResponse.BodySubscriber<T> {
    private final HttpResponse.BodySubscriber<T> delegate;
    private final Capture capture;

    TeeSubscriber(HttpResponse.BodySubscriber<T> delegate, Capture capture) {
      this.delegate = delegate;
      this.capture = capture;
    }

    @Override
    public CompletionStage<T> getBody() {
      return delegate.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      delegate.onSubscribe(subscription);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      try {
        for (ByteBuffer buffer : buffers) {
          capture.body.write(buffer);
        }
      } catch (RuntimeException ignored) {
        // the copy is best effort
      }
      delegate.onNext(buffers);
    }

    @Override
    public void onError(Throwable throwable) {
      delegate.onError(throwable);
    }

    @Override
    public void onComplete() {
      capture.bodyComplete = true;
      delegate.onComplete();
    }
  }

  // Everything else is the wrapped client's.

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  @Override
  public void shutdown() {
    delegate.shutdown();
  }

  @Override
  public boolean awaitTermination(Duration duration) throws InterruptedException {
    return delegate.awaitTermination(duration);
  }

  @Override
  public boolean isTerminated() {
    return delegate.isTerminated();
  }

  @Override
  public void shutdownNow() {
    delegate.shutdownNow();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
