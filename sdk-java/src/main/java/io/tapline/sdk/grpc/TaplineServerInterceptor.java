package io.tapline.sdk.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tapline.sdk.CapturedCall;
import io.tapline.sdk.TaplineClient;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Records the calls a gRPC server receives: install with {@code
 * ServerInterceptors.intercept(service, new TaplineServerInterceptor(tapline))} or on the server
 * builder.
 *
 * <p>A call is recorded as {@code POST /package.Service/Method} with that path as its route; its
 * gRPC status becomes the HTTP status the gRPC-HTTP mapping gives (NOT_FOUND as 404, UNAVAILABLE as
 * 503, ...), and the gRPC code name is kept in the tag {@code grpc.status}. Metadata (except binary
 * entries) is recorded as headers. Message bodies are not captured.
 */
public final class TaplineServerInterceptor implements ServerInterceptor {

  private final TaplineClient client;

  public TaplineServerInterceptor(TaplineClient client) {
    this.client = client;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String path = "/" + call.getMethodDescriptor().getFullMethodName();
    if (client.excludes(path)) {
      return next.startCall(call, headers);
    }
    Capture<ReqT, RespT> capture;
    try {
      capture = new Capture<>(call, client, start(call, headers, path));
    } catch (RuntimeException e) {
      return next.startCall(call, headers); // capturing must never fail the call
    }
    ServerCall.Listener<ReqT> listener = next.startCall(capture, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        capture.done(Status.CANCELLED.withDescription("cancelled by the client"), null);
        super.onCancel();
      }
    };
  }

  private static CapturedCall start(ServerCall<?, ?> call, Metadata headers, String path) {
    String scheme =
        call.getSecurityLevel() == SecurityLevel.PRIVACY_AND_INTEGRITY ? "https" : "http";
    String authority = call.getAuthority() == null ? "localhost" : call.getAuthority();
    CapturedCall captured =
        CapturedCall.start().method("POST").url(scheme + "://" + authority + path).route(path);
    for (String key : headers.keys()) {
      if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        String value = headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        captured.addRequestHeader(key, value);
      }
    }
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      String ip = inet.getAddress().getHostAddress();
      int scope = ip.indexOf('%');
      captured.sourceIp(scope < 0 ? ip : ip.substring(0, scope));
    }
    return captured;
  }

  /** The HTTP status for a gRPC code, as in the gRPC-HTTP mapping of grpc-gateway. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
    };
  }

  private static final class Capture<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private final TaplineClient client;
    private final CapturedCall captured;
    private final AtomicBoolean recorded = new AtomicBoolean();

    Capture(ServerCall<ReqT, RespT> delegate, TaplineClient client, CapturedCall captured) {
      super(delegate);
      this.client = client;
      this.captured = captured;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      if (!recorded.get()) {
        try {
          for (String key : headers.keys()) {
            if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
              captured.addResponseHeader(
                  key, headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
            }
          }
        } catch (RuntimeException ignored) {
          // headers are best effort
        }
      }
      super.sendHeaders(headers);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      done(status, trailers);
      super.close(status, trailers);
    }

    void done(Status status, Metadata trailers) {
      if (!recorded.compareAndSet(false, true)) {
        return;
      }
      try {
        captured.finish(httpStatus(status.getCode())).tag("grpc.status", status.getCode().name());
        if (!status.isOk()) {
          String description = status.getDescription();
          captured.error(
              description == null
                  ? status.getCode().name()
                  : status.getCode() + ": " + description);
        }
        client.record(captured);
      } catch (RuntimeException ignored) {
        // never into the host's call
      }
    }
  }
}
