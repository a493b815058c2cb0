package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.internal.testing.StreamRecorder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tapline.server.testing.TestTapline;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What grpcurl does: list services and fetch their descriptors by reflection; and health. */
class ReflectionAndHealthIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private List<ServerReflectionResponse> reflect(ServerReflectionRequest... requests)
      throws Exception {
    StreamRecorder<ServerReflectionResponse> responses = StreamRecorder.create();
    StreamObserver<ServerReflectionRequest> out =
        ServerReflectionGrpc.newStub(tapline.channel()).serverReflectionInfo(responses);
    for (ServerReflectionRequest request : requests) {
      out.onNext(request);
    }
    out.onCompleted();
    assertThat(responses.awaitCompletion(10, TimeUnit.SECONDS)).isTrue();
    assertThat(responses.getError()).isNull();
    return responses.getValues();
  }

  @Test
  void reflectionListsTheServicesAndDescribesThem() throws Exception {
    List<ServerReflectionResponse> listed =
        reflect(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> services =
        listed.getFirst().getListServicesResponse().getServiceList().stream()
            .map(ServiceResponse::getName)
            .toList();
    assertThat(services)
        .contains("tapline.v1.IngestService", "tapline.v1.QueryService", "grpc.health.v1.Health");

    List<ServerReflectionResponse> described =
        reflect(
            ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("tapline.v1.IngestService")
                .build());
    List<FileDescriptorProto> files = new ArrayList<>();
    for (var bytes :
        described.getFirst().getFileDescriptorResponse().getFileDescriptorProtoList()) {
      files.add(parse(bytes));
    }
    FileDescriptorProto ingest =
        files.stream()
            .filter(f -> f.getName().equals("tapline/v1/ingest.proto"))
            .findFirst()
            .orElseThrow();
    assertThat(ingest.getService(0).getMethodList())
        .extracting(m -> m.getName())
        .containsExactly("Ingest", "IngestStream");
    // Dependencies come along, so a client can build every message type.
    assertThat(files)
        .extracting(FileDescriptorProto::getName)
        .contains("tapline/v1/api_call.proto");
  }

  private static FileDescriptorProto parse(com.google.protobuf.ByteString bytes)
      throws InvalidProtocolBufferException {
    return FileDescriptorProto.parseFrom(bytes);
  }

  @Test
  @SuppressWarnings("deprecation")
  void olderClientsUseV1alpha() throws Exception {
    StreamRecorder<io.grpc.reflection.v1alpha.ServerReflectionResponse> responses =
        StreamRecorder.create();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> out =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(tapline.channel())
            .serverReflectionInfo(responses);
    out.onNext(
        io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
            .setListServices("")
            .build());
    out.onCompleted();
    assertThat(responses.awaitCompletion(10, TimeUnit.SECONDS)).isTrue();
    assertThat(responses.getValues().getFirst().getListServicesResponse().getServiceList())
        .extracting(io.grpc.reflection.v1alpha.ServiceResponse::getName)
        .contains(
            "tapline.v1.QueryService",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");
  }

  /** As grpcurl does: build the request from reflected descriptors alone and call the method. */
  @Test
  void aMethodCanBeCalledFromReflectedDescriptorsAlone() throws Exception {
    List<ServerReflectionResponse> described =
        reflect(
            ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("tapline.v1.QueryService")
                .build());
    Map<String, FileDescriptorProto> protos = new HashMap<>();
    for (var bytes :
        described.getFirst().getFileDescriptorResponse().getFileDescriptorProtoList()) {
      FileDescriptorProto proto = parse(bytes);
      protos.put(proto.getName(), proto);
    }
    Descriptors.FileDescriptor query = build("tapline/v1/query.proto", protos, new HashMap<>());
    Descriptors.MethodDescriptor method =
        query.findServiceByName("QueryService").findMethodByName("SearchCalls");
    DynamicMessage.Builder request = DynamicMessage.newBuilder(method.getInputType());
    JsonFormat.parser().merge("{\"page_size\": 3}", request);

    MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod =
        MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("tapline.v1.QueryService/SearchCalls")
            .setRequestMarshaller(
                ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
            .setResponseMarshaller(
                ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
            .build();
    DynamicMessage response =
        ClientCalls.blockingUnaryCall(
            tapline.channel(), grpcMethod, CallOptions.DEFAULT, request.build());
    assertThat(response.getDescriptorForType().getFullName())
        .isEqualTo("tapline.v1.SearchCallsResponse");
  }

  private static Descriptors.FileDescriptor build(
      String name,
      Map<String, FileDescriptorProto> protos,
      Map<String, Descriptors.FileDescriptor> built)
      throws Descriptors.DescriptorValidationException {
    if (built.containsKey(name)) {
      return built.get(name);
    }
    FileDescriptorProto proto = protos.get(name);
    assertThat(proto).as("descriptor of %s was sent", name).isNotNull();
    List<Descriptors.FileDescriptor> dependencies = new ArrayList<>();
    for (String dependency : proto.getDependencyList()) {
      dependencies.add(build(dependency, protos, built));
    }
    Descriptors.FileDescriptor file =
        Descriptors.FileDescriptor.buildFrom(
            proto, dependencies.toArray(Descriptors.FileDescriptor[]::new));
    built.put(name, file);
    return file;
  }

  @Test
  void healthSaysServing() {
    HealthCheckResponse response =
        HealthGrpc.newBlockingStub(tapline.channel())
            .check(HealthCheckRequest.getDefaultInstance());
    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(tapline.http().get("/internal/health").aggregate().join().status().code())
        .isEqualTo(200);
  }

  @Test
  void docsAreServed() {
    var docs = tapline.http().get("/docs/specification.json").aggregate().join();
    assertThat(docs.status().code()).isEqualTo(200);
    assertThat(docs.contentUtf8()).contains("tapline.v1.IngestService").contains("example-batch-1");
  }
}
