package io.tapline.server.replay;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.ResponseHeaders;
import io.netty.util.AsciiString;
import io.tapline.masking.Masker;
import io.tapline.server.api.FailedPreconditionException;
import io.tapline.server.outbound.OutboundClient;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.storage.ServiceRecord;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Sends a prepared request to its checked target and reads the response, within a time limit for
 * the whole replay and a cap on the body kept. Each hop connects to the address {@link TargetGuard}
 * checked (the name is never looked up again), presenting the URL's host as the Host header and,
 * for https, as the TLS server name, whose certificate is verified. Redirects are followed only
 * when asked, each hop checked like the first.
 *
 * <p>Callers block on {@link #send}; it runs on the blocking task executor.
 */
final class Replayer implements AutoCloseable {

  /** What came back. {@code statusCode} is 0 when no response arrived (see {@code error}). */
  record Outcome(
      int statusCode,
      Map<String, String> headers,
      String body,
      long bodySize,
      boolean truncated,
      long latencyMicros,
      String error,
      List<String> redirects) {}

  private final TargetGuard guard;
  private final Duration timeout;
  private final int maxResponseBytes;
  private final int maxRedirects;
  private final OutboundClient client;
  private final Masker masker;

  /**
   * @param masker decides which headers are not sent on to another origin
   */
  Replayer(
      TargetGuard guard, Duration timeout, int maxResponseBytes, int maxRedirects, Masker masker) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("replay.timeout must be positive");
    }
    this.guard = guard;
    this.timeout = timeout;
    this.maxResponseBytes = maxResponseBytes;
    this.maxRedirects = maxRedirects;
    this.masker = masker;
    this.client = new OutboundClient(timeout);
  }

  /**
   * Replays {@code request}. Throws {@link FailedPreconditionException} when the first target is
   * refused; a refused redirect ends the replay with the redirect response and an error.
   */
  Outcome send(PreparedRequest request, ServiceRecord service, boolean followRedirects) {
    OutboundGuard.Target target = guard.check(request.url(), service);
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String method = request.method();
    String body = request.body();
    List<Map.Entry<String, String>> headers = request.headers();
    List<String> redirects = new ArrayList<>();
    while (true) {
      Received received;
      try {
        received = exchange(target, method, headers, body, deadline);
      } catch (RuntimeException e) {
        return new Outcome(
            0, Map.of(), "", 0, false, micros(start), describe(e), List.copyOf(redirects));
      }
      String location = received.headers().get("location");
      if (!isRedirect(received.status()) || location == null) {
        return received.outcome(micros(start), "", redirects);
      }
      if (!followRedirects) {
        return received.outcome(micros(start), "", redirects);
      }
      if (redirects.size() >= maxRedirects) {
        return received.outcome(
            micros(start), "stopped after " + maxRedirects + " redirects", redirects);
      }
      URI next;
      try {
        next = target.uri().resolve(new URI(location.strip()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        return received.outcome(
            micros(start), "redirect to an invalid URL not followed: " + location, redirects);
      }
      OutboundGuard.Target nextTarget;
      try {
        nextTarget = guard.check(next, service);
      } catch (FailedPreconditionException e) {
        return received.outcome(
            micros(start), "redirect to " + next + " not followed: " + e.getMessage(), redirects);
      }
      boolean sameOrigin =
          nextTarget.https() == target.https()
              && nextTarget.host().equals(target.host())
              && nextTarget.port() == target.port();
      if (!sameOrigin) {
        headers = headers.stream().filter(h -> !masker.isSensitiveHeader(h.getKey())).toList();
      }
      int status = received.status();
      if (status == 303 || (status == 301 || status == 302) && method.equals("POST")) {
        method = method.equals("HEAD") ? "HEAD" : "GET";
        body = "";
        headers =
            headers.stream()
                .filter(h -> !h.getKey().toLowerCase(Locale.ROOT).startsWith("content-"))
                .toList();
      }
      redirects.add(next.toString());
      target = nextTarget;
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static long micros(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000;
  }

  private String describe(Throwable e) {
    Throwable cause = e;
    while ((cause instanceof CompletionException
            || cause instanceof ExecutionException
            || cause instanceof UnprocessedRequestException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ResponseTimeoutException || cause instanceof TimeoutException) {
      return "timed out: no complete response within replay.timeout (" + timeout + ")";
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private record Received(
      int status, Map<String, String> headers, byte[] body, long bodySize, boolean truncated) {

    Outcome outcome(long latencyMicros, String error, List<String> redirects) {
      return new Outcome(
          status,
          headers,
          new String(body, StandardCharsets.UTF_8),
          bodySize,
          truncated,
          latencyMicros,
          error,
          List.copyOf(redirects));
    }
  }

  private Received exchange(
      OutboundGuard.Target target,
      String method,
      List<Map.Entry<String, String>> headers,
      String body,
      long deadline) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      throw new CompletionException(new TimeoutException("replay.timeout elapsed"));
    }
    WebClient client = this.client.to(target, Duration.ofNanos(remaining));
    RequestHeadersBuilder h = OutboundClient.headers(HttpMethod.valueOf(method), target);
    for (Map.Entry<String, String> header : headers) {
      h.add(AsciiString.of(header.getKey().toLowerCase(Locale.ROOT)), header.getValue());
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    HttpRequest request =
        bytes.length == 0
                && !method.equals("POST")
                && !method.equals("PUT")
                && !method.equals("PATCH")
            ? HttpRequest.of(h.build())
            : HttpRequest.of(h.build(), HttpData.wrap(bytes));
    HttpResponse response = client.execute(request);
    BodyCollector collector = new BodyCollector(maxResponseBytes);
    response.subscribe(collector);
    try {
      return collector.result.get(remaining + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (TimeoutException e) {
      response.abort();
      throw new CompletionException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.abort();
      throw new CompletionException(e);
    }
  }

  /** Reads the final headers and up to the cap of body, then cancels the rest. */
  private static final class BodyCollector implements Subscriber<HttpObject> {

    final CompletableFuture<Received> result = new CompletableFuture<>();
    private final int cap;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private Subscription subscription;
    private ResponseHeaders headers;
    private long size;

    BodyCollector(int cap) {
      this.cap = cap;
    }

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(HttpObject object) {
      if (result.isDone()) {
        return;
      }
      if (object instanceof ResponseHeaders h) {
        if (!h.status().isInformational()) {
          headers = h;
        }
      } else if (object instanceof HttpData data && headers != null) {
        size += data.length();
        int room = cap - body.size();
        if (room > 0) {
          body.write(data.array(), 0, Math.min(room, data.length()));
        }
        if (size > cap) {
          subscription.cancel();
          complete(true);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      if (!result.isDone()) {
        result.completeExceptionally(t);
      }
    }

    @Override
    public void onComplete() {
      complete(false);
    }

    private void complete(boolean truncated) {
      if (result.isDone()) {
        return;
      }
      if (headers == null) {
        result.completeExceptionally(new IllegalStateException("the response had no headers"));
        return;
      }
      Map<String, String> map = new LinkedHashMap<>();
      headers.forEach(
          (name, value) -> {
            String n = name.toString();
            if (!n.startsWith(":")) {
              map.merge(n, value, (a, b) -> a + ", " + b);
            }
          });
      result.complete(
          new Received(headers.status().code(), map, body.toByteArray(), size, truncated));
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
