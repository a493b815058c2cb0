package io.tapline.server.app;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.InternalServer;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * gRPC server reflection in both versions clients use: {@code grpc.reflection.v1} and {@code
 * grpc.reflection.v1alpha} (older grpcurl and many tools). Armeria registers only one reflection
 * service; grpc-java's reflection services find the server's services through a context key, so
 * this class provides that view itself and both versions describe the same services.
 */
final class ReflectionServices {

  private final List<ServerServiceDefinition> described = new CopyOnWriteArrayList<>();
  private final List<ServerServiceDefinition> definitions;

  @SuppressWarnings("deprecation") // v1alpha is deprecated upstream but still what many tools speak
  ReflectionServices() {
    ServicesView view = new ServicesView(described);
    ServerInterceptor provideView =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Context context = Context.current().withValue(InternalServer.SERVER_CONTEXT_KEY, view);
            return Contexts.interceptCall(context, call, headers, next);
          }
        };
    definitions =
        List.of(
            ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), provideView),
            ServerInterceptors.intercept(ProtoReflectionService.newInstance(), provideView));
  }

  /** The two reflection services, to register with the other services. */
  List<ServerServiceDefinition> definitions() {
    return definitions;
  }

  /** Sets what reflection describes: every service served, the reflection services included. */
  void describe(List<ServerServiceDefinition> services) {
    described.clear();
    described.addAll(services);
  }

  /** Just enough of a {@link Server} for the reflection services: the list of services. */
  private static final class ServicesView extends Server {
    private final List<ServerServiceDefinition> services;

    ServicesView(List<ServerServiceDefinition> services) {
      this.services = services;
    }

    @Override
    public List<ServerServiceDefinition> getServices() {
      return List.copyOf(services);
    }

    @Override
    public List<ServerServiceDefinition> getImmutableServices() {
      return List.copyOf(services);
    }

    @Override
    public List<ServerServiceDefinition> getMutableServices() {
      return List.of();
    }

    @Override
    public Server start() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Server shutdown() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Server shutdownNow() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void awaitTermination() {
      throw new UnsupportedOperationException();
    }
  }
}
