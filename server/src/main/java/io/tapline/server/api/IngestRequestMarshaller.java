package io.tapline.server.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads binary {@link IngestRequest}s so that one bad record cannot lose its batch. protobuf
 * refuses a whole message when one string in it is not valid UTF-8; here such a batch is read again
 * call by call, and a call that cannot be read travels on as its {@linkplain UnreadableCalls
 * placeholder}, naming the field, to be refused alone. A batch whose own framing is broken becomes
 * an unreadable batch, which ingest refuses with INVALID_ARGUMENT (an IngestStream stays open). A
 * batch that reads cleanly costs one copy of its bytes more than protobuf's own reading.
 *
 * <p>It is deliberately not a {@link MethodDescriptor.PrototypeMarshaller}: Armeria reads the
 * messages of those itself, and uses a method's own marshaller for the others. {@link JsonCodec}
 * reads JSON batches by the message class.
 */
public final class IngestRequestMarshaller
    implements MethodDescriptor.ReflectableMarshaller<IngestRequest> {

  static final IngestRequestMarshaller INSTANCE = new IngestRequestMarshaller();

  private static final int BATCH_ID = IngestRequest.BATCH_ID_FIELD_NUMBER;
  private static final int CALLS = IngestRequest.CALLS_FIELD_NUMBER;

  private IngestRequestMarshaller() {}

  /** {@code service} with this marshaller for the requests of every method taking a batch. */
  public static ServerServiceDefinition install(ServerServiceDefinition service) {
    ServiceDescriptor descriptor = service.getServiceDescriptor();
    ServiceDescriptor.Builder methods =
        ServiceDescriptor.newBuilder(descriptor.getName())
            .setSchemaDescriptor(descriptor.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> definitions = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> definition = withMarshaller(method);
      definitions.add(definition);
      methods.addMethod(definition.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder replaced = ServerServiceDefinition.builder(methods.build());
    definitions.forEach(replaced::addMethod);
    return replaced.build();
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> ServerMethodDefinition<?, ?> withMarshaller(
      ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
    if (!(descriptor.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> p)
        || !(p.getMessagePrototype() instanceof IngestRequest)) {
      return method;
    }
    MethodDescriptor<Q, R> replaced =
        descriptor.toBuilder(
                (MethodDescriptor.Marshaller<Q>) INSTANCE, descriptor.getResponseMarshaller())
            .build();
    return ServerMethodDefinition.create(replaced, method.getServerCallHandler());
  }

  @Override
  public Class<IngestRequest> getMessageClass() {
    return IngestRequest.class;
  }

  @Override
  public InputStream stream(IngestRequest value) {
    return value.toByteString().newInput();
  }

  @Override
  public IngestRequest parse(InputStream stream) {
    byte[] bytes;
    try {
      bytes = stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return read(bytes);
  }

  /** The batch in {@code bytes}, with placeholders for the calls that could not be read. */
  static IngestRequest read(byte[] bytes) {
    try {
      return IngestRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return readCallByCall(bytes);
    }
  }

  private static IngestRequest readCallByCall(byte[] bytes) {
    IngestRequest.Builder batch = IngestRequest.newBuilder();
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int number = WireFormat.getTagFieldNumber(tag);
        boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
        if (number == BATCH_ID && delimited) {
          ByteString id = in.readBytes();
          if (!id.isValidUtf8()) {
            return UnreadableCalls.unreadableBatch("batch_id", "is not valid UTF-8");
          }
          batch.setBatchId(id.toStringUtf8());
        } else if (number == CALLS && delimited) {
          batch.addCalls(readCall(in.readBytes()));
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      return batch.build();
    } catch (IOException | RuntimeException e) {
      return UnreadableCalls.unreadableBatch(
          "", "is not a readable IngestRequest: " + e.getMessage());
    }
  }

  private static ApiCall readCall(ByteString bytes) {
    try {
      return ApiCall.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      String field = invalidUtf8Field(ApiCall.getDescriptor(), bytes);
      return field == null
          ? UnreadableCalls.placeholder("", "could not be read: " + e.getMessage())
          : UnreadableCalls.placeholder(field, "is not valid UTF-8");
    }
  }

  /**
   * The name of the first string field of {@code bytes}, a message of {@code type}, that is not
   * valid UTF-8, looking into nested messages (a map's entries count as the map's field); null when
   * there is none.
   */
  static String invalidUtf8Field(Descriptor type, ByteString bytes) {
    try {
      CodedInputStream in = bytes.newCodedInput();
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
        if (field == null
            || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          in.skipField(tag);
          continue;
        }
        ByteString value = in.readBytes();
        if (field.getType() == FieldDescriptor.Type.STRING && !value.isValidUtf8()) {
          return field.getName();
        }
        if (field.getType() == FieldDescriptor.Type.MESSAGE) {
          String inner = invalidUtf8Field(field.getMessageType(), value);
          if (inner != null) {
            return field.isMapField() ? field.getName() : field.getName() + "." + inner;
          }
        }
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }
}
