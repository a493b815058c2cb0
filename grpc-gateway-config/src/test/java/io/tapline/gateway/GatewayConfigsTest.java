package io.tapline.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checked-in gateway configurations must say what the proto annotations say. */
class GatewayConfigsTest {

  private static final String REGENERATE =
      "out of date with the proto annotations; regenerate with ./scripts/generate-gateway-config";

  private final List<ServiceDescriptorProto> services = GatewayConfigs.services();

  @Test
  void grpcGatewayRulesMatchTheProto() throws Exception {
    assertThat(Files.readString(Path.of("grpc-gateway/tapline.yaml")))
        .as("grpc-gateway/tapline.yaml is " + REGENERATE)
        .isEqualTo(GatewayConfigs.grpcGatewayConfig(services));
  }

  @Test
  void envoyTranscodesEveryServiceWithHttpRules() throws Exception {
    assertThat(Files.readString(Path.of("envoy/envoy.yaml")))
        .as("envoy/envoy.yaml is " + REGENERATE)
        .isEqualTo(GatewayConfigs.envoyConfig(services));
  }

  @Test
  void everyUnaryMethodHasAnHttpRule() {
    for (ServiceDescriptorProto service : services) {
      for (MethodDescriptorProto method : service.getMethodList()) {
        boolean streaming = method.getClientStreaming() || method.getServerStreaming();
        HttpRule rule = GatewayConfigs.rule(method);
        if (!streaming) {
          assertThat(rule)
              .as("HTTP rule of %s.%s", service.getName(), method.getName())
              .isNotNull();
          assertThat(rule.getPatternCase().name()).isNotEqualTo("PATTERN_NOT_SET");
        }
      }
    }
    assertThat(services)
        .extracting(ServiceDescriptorProto::getName)
        .contains("IngestService", "QueryService");
  }
}
