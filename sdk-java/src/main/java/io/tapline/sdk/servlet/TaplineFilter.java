package io.tapline.sdk.servlet;

import io.tapline.sdk.BodyCapture;
import io.tapline.sdk.CapturedCall;
import io.tapline.sdk.TaplineClient;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;

/**
 * Records the HTTP calls a servlet application serves (Spring Boot, Tomcat, Jetty, ...). Register
 * it first in the chain, for all paths:
 *
 * <pre>{@code
 * context.addFilter(new FilterHolder(new TaplineFilter(tapline)), "/*", EnumSet.of(REQUEST));
 * // Spring Boot: @Bean FilterRegistrationBean<TaplineFilter> with setOrder(Ordered.HIGHEST_PRECEDENCE)
 * }</pre>
 *
 * <p>Bodies are captured as the application reads and writes them, up to the client's cap, without
 * buffering the response. The route is Spring MVC's best-matching pattern when present, else the
 * servlet mapping's pattern. Asynchronous requests are recorded when they complete. An exception
 * that escapes the chain is recorded as status 500 (unless an error status was set) and rethrown.
 */
public final class TaplineFilter implements Filter {

  /** Spring MVC's request attribute holding the matched route template. */
  static final String SPRING_PATTERN_ATTRIBUTE =
      "org.springframework.web.servlet.HandlerMapping.bestMatchingPattern";

  private final TaplineClient client;

  public TaplineFilter(TaplineClient client) {
    this.client = client;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)
        || client.excludes(request.getRequestURI())) {
      chain.doFilter(req, res);
      return;
    }
    CapturedCall call = CapturedCall.start();
    CapturingRequest wrappedRequest = null;
    CapturingResponse wrappedResponse = null;
    if (client.capturesBodies()) {
      wrappedRequest = new CapturingRequest(request, new BodyCapture(client.maxBodyBytes()));
      wrappedResponse = new CapturingResponse(response, new BodyCapture(client.maxBodyBytes()));
    }
    Throwable failure = null;
    try {
      chain.doFilter(
          wrappedRequest == null ? request : wrappedRequest,
          wrappedResponse == null ? response : wrappedResponse);
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      if (wrappedResponse != null) {
        wrappedResponse.flushWriter();
      }
      if (failure == null && request.isAsyncStarted()) {
        CapturingRequest capturedRequest = wrappedRequest;
        CapturingResponse capturedResponse = wrappedResponse;
        request
            .getAsyncContext()
            .addListener(
                new AsyncListener() {
                  @Override
                  public void onComplete(AsyncEvent event) {
                    if (capturedResponse != null) {
                      capturedResponse.flushWriter();
                    }
                    record(call, request, response, capturedRequest, capturedResponse, null);
                  }

                  @Override
                  public void onTimeout(AsyncEvent event) {}

                  @Override
                  public void onError(AsyncEvent event) {
                    call.error(String.valueOf(event.getThrowable()));
                  }

                  @Override
                  public void onStartAsync(AsyncEvent event) {}
                });
      } else {
        record(call, request, response, wrappedRequest, wrappedResponse, failure);
      }
    }
  }

  private void record(
      CapturedCall call,
      HttpServletRequest request,
      HttpServletResponse response,
      CapturingRequest wrappedRequest,
      CapturingResponse wrappedResponse,
      Throwable failure) {
    try {
      int status = response.getStatus();
      if (failure != null) {
        call.error(failure.toString());
        if (status < 400) {
          status = 500;
        }
      }
      StringBuffer url = request.getRequestURL();
      String query = request.getQueryString();
      if (query != null) {
        url.append('?').append(query);
      }
      call.method(request.getMethod()).url(url.toString()).sourceIp(request.getRemoteAddr());
      call.route(route(request));
      for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
        String name = names.nextElement();
        call.addRequestHeader(name, request.getHeader(name));
      }
      for (String name : response.getHeaderNames()) {
        call.addResponseHeader(name, response.getHeader(name));
      }
      if (response.getContentType() != null && response.getHeader("content-type") == null) {
        call.addResponseHeader("content-type", response.getContentType());
      }
      if (wrappedRequest != null) {
        wrappedRequest.body.toRequest(call);
      } else if (request.getContentLengthLong() > 0) {
        call.requestBody(null, 0, request.getContentLengthLong());
      }
      if (wrappedResponse != null) {
        wrappedResponse.body.toResponse(call);
      }
      call.finish(status);
      client.record(call);
    } catch (RuntimeException ignored) {
      // capturing never fails the host's request
    }
  }

  private static String route(HttpServletRequest request) {
    Object pattern = request.getAttribute(SPRING_PATTERN_ATTRIBUTE);
    if (pattern instanceof String s && !s.isEmpty()) {
      return s;
    }
    HttpServletMapping mapping = request.getHttpServletMapping();
    if (mapping == null || mapping.getPattern() == null || mapping.getPattern().isEmpty()) {
      return null;
    }
    return request.getContextPath() + mapping.getPattern();
  }
}
