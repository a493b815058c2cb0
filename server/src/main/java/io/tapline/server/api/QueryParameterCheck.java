package io.tapline.server.api;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses a transcoded GET whose query names a field its request message does not have: the
 * transcoder ignores unknown parameters, so {@code ?filter.servce=x} would have listed every
 * service's events. Names are the request's fields by proto or JSON name, dotted into nested
 * messages ({@code filter.service}), less the path's variables.
 */
public final class QueryParameterCheck implements DecoratingHttpServiceFunction {

  private record Route(List<String> segments, Set<String> names) {

    /** True when {@code path} matches the template ({@code null} segments match any one). */
    boolean matches(String[] path) {
      if (path.length != segments.size()) {
        return false;
      }
      for (int i = 0; i < path.length; i++) {
        String segment = segments.get(i);
        if (segment != null && !segment.equals(path[i])) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Route> routes;

  private QueryParameterCheck(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  /** The check for the GET rules of these services. */
  public static QueryParameterCheck of(List<ServiceDescriptor> services) {
    List<Route> routes = new ArrayList<>();
    for (ServiceDescriptor service : services) {
      for (MethodDescriptor method : service.getMethods()) {
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        if (rule.getPatternCase() != HttpRule.PatternCase.GET) {
          continue;
        }
        List<String> segments = new ArrayList<>();
        Set<String> variables = new TreeSet<>();
        for (String segment : rule.getGet().substring(1).split("/")) {
          if (segment.startsWith("{")) {
            variables.add(segment.substring(1, segment.indexOf('}')));
            segments.add(null);
          } else {
            segments.add(segment);
          }
        }
        Set<String> names = new TreeSet<>();
        fieldNames(method.getInputType(), "", "", names, 0);
        names.removeAll(variables);
        routes.add(new Route(segments, names));
      }
    }
    return new QueryParameterCheck(routes);
  }

  private static void fieldNames(
      Descriptor message, String protoPrefix, String jsonPrefix, Set<String> names, int depth) {
    for (FieldDescriptor field : message.getFields()) {
      String proto = protoPrefix + field.getName();
      String json = jsonPrefix + field.getJsonName();
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isRepeated()) {
        if (depth < 4) {
          fieldNames(field.getMessageType(), proto + ".", json + ".", names, depth + 1);
        }
      } else {
        names.add(proto);
        names.add(json);
      }
    }
  }

  /** This check as a decorator of the gRPC service. */
  public java.util.function.Function<? super HttpService, ? extends HttpService> asDecorator() {
    return delegate -> delegate.decorate(this);
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req)
      throws Exception {
    String query = ctx.query();
    if (req.method() != HttpMethod.GET || query == null || query.isEmpty()) {
      return delegate.serve(ctx, req);
    }
    String[] path = ctx.path().substring(1).split("/");
    for (Route route : routes) {
      if (route.matches(path)) {
        for (String name : QueryParams.fromQueryString(query).names()) {
          if (!route.names().contains(name)) {
            return refuse(name, route.names());
          }
        }
        break;
      }
    }
    return delegate.serve(ctx, req);
  }

  private static HttpResponse refuse(String name, Set<String> known) {
    String message =
        "unknown query parameter '"
            + name
            + "'; "
            + (known.isEmpty()
                ? "this request takes none"
                : "this request takes " + String.join(", ", known));
    // The shape of the transcoder's own error answers.
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", io.grpc.Status.Code.INVALID_ARGUMENT.value());
    error.put("grpc-code", "INVALID_ARGUMENT");
    error.put("message", message);
    error.put("details", List.of());
    try {
      return HttpResponse.of(
          HttpStatus.BAD_REQUEST, MediaType.JSON_UTF_8, JSON.writeValueAsString(error));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
}
