package io.tapline.gateway;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.ExtensionRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates the gateway configurations from the proto's {@code google.api.http} annotations: a
 * grpc-gateway API configuration ({@code grpc-gateway/tapline.yaml}) and an Envoy gRPC-JSON
 * transcoder configuration ({@code envoy/envoy.yaml}). Run {@link #main} to rewrite them after an
 * API change; {@code GatewayConfigsTest} fails while the checked-in files differ.
 */
public final class GatewayConfigs {

  /** Where the build packs the descriptor set in the tapline-proto jar. */
  public static final String DESCRIPTOR_RESOURCE = "/tapline/v1/tapline.binpb";

  static final String PACKAGE = "tapline.v1";

  private GatewayConfigs() {}

  /** Rewrites the files under {@code dir} (the module's folder). */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "grpc-gateway-config");
    List<ServiceDescriptorProto> services = services();
    Files.writeString(dir.resolve("grpc-gateway/tapline.yaml"), grpcGatewayConfig(services));
    Files.writeString(dir.resolve("envoy/envoy.yaml"), envoyConfig(services));
  }

  /** The tapline.v1 services of the descriptor set, in file and declaration order. */
  public static List<ServiceDescriptorProto> services() {
    ExtensionRegistry registry = ExtensionRegistry.newInstance();
    AnnotationsProto.registerAllExtensions(registry);
    try (InputStream in = GatewayConfigs.class.getResourceAsStream(DESCRIPTOR_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DESCRIPTOR_RESOURCE + " is not on the classpath");
      }
      FileDescriptorSet set = FileDescriptorSet.parseFrom(in, registry);
      List<ServiceDescriptorProto> services = new ArrayList<>();
      set.getFileList().stream()
          .filter(f -> f.getPackage().equals(PACKAGE))
          .sorted((a, b) -> a.getName().compareTo(b.getName()))
          .map(FileDescriptorProto::getServiceList)
          .forEach(services::addAll);
      return services;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The HTTP rule of a method, or null when it has none (streaming methods). */
  static HttpRule rule(MethodDescriptorProto method) {
    return method.getOptions().hasExtension(AnnotationsProto.http)
        ? method.getOptions().getExtension(AnnotationsProto.http)
        : null;
  }

  /** A grpc-gateway (and Google API) service configuration holding every HTTP rule. */
  public static String grpcGatewayConfig(List<ServiceDescriptorProto> services) {
    StringBuilder out = new StringBuilder();
    out.append(
        "# Generated from the proto annotations by io.tapline.gateway.GatewayConfigs; do not"
            + " edit.\n");
    out.append(
        "# For grpc-gateway: protoc --grpc-gateway_out=grpc_api_configuration=tapline.yaml:...\n");
    out.append("type: google.api.Service\nconfig_version: 3\n\nhttp:\n  rules:\n");
    for (ServiceDescriptorProto service : services) {
      for (MethodDescriptorProto method : service.getMethodList()) {
        HttpRule rule = rule(method);
        if (rule == null) {
          continue;
        }
        out.append("    - selector: ")
            .append(PACKAGE)
            .append('.')
            .append(service.getName())
            .append('.')
            .append(method.getName())
            .append('\n');
        appendRule(out, rule, "      ");
      }
    }
    return out.toString();
  }

  private static void appendRule(StringBuilder out, HttpRule rule, String indent) {
    String verb =
        switch (rule.getPatternCase()) {
          case GET -> "get: " + rule.getGet();
          case PUT -> "put: " + rule.getPut();
          case POST -> "post: " + rule.getPost();
          case DELETE -> "delete: " + rule.getDelete();
          case PATCH -> "patch: " + rule.getPatch();
          case CUSTOM ->
              "custom: {kind: "
                  + rule.getCustom().getKind()
                  + ", path: "
                  + rule.getCustom().getPath()
                  + "}";
          case PATTERN_NOT_SET -> throw new IllegalStateException("HTTP rule without a pattern");
        };
    out.append(indent).append(verb.replaceFirst(": (/.*)$", ": \"$1\"")).append('\n');
    if (!rule.getBody().isEmpty()) {
      out.append(indent).append("body: \"").append(rule.getBody()).append("\"\n");
    }
    if (!rule.getResponseBody().isEmpty()) {
      out.append(indent).append("response_body: \"").append(rule.getResponseBody()).append("\"\n");
    }
    if (rule.getAdditionalBindingsCount() > 0) {
      out.append(indent).append("additional_bindings:\n");
      for (HttpRule binding : rule.getAdditionalBindingsList()) {
        StringBuilder nested = new StringBuilder();
        appendRule(nested, binding, indent + "  ");
        out.append(indent).append("- ").append(nested.substring(indent.length() + 2));
      }
    }
  }

  /** An Envoy configuration: JSON on port 8081 transcoded to gRPC on Tapline's port 8080. */
  public static String envoyConfig(List<ServiceDescriptorProto> services) {
    StringBuilder names = new StringBuilder();
    for (ServiceDescriptorProto service : services) {
      boolean transcoded = service.getMethodList().stream().anyMatch(m -> rule(m) != null);
      if (transcoded) {
        names
            .append("                        - ")
            .append(PACKAGE)
            .append('.')
            .append(service.getName())
            .append('\n');
      }
    }
    return ENVOY_TEMPLATE.replace("{{services}}\n", names.toString());
  }

  private static final String ENVOY_TEMPLATE = resource("envoy-template.yaml");

  private static String resource(String name) {
    try (InputStream in = GatewayConfigs.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
