package io.tapline.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.google.protobuf.Internal;
import com.google.protobuf.Message;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.curioswitch.common.protobuf.json.MessageMarshaller;

/**
 * JSON for every JSON client (transcoded HTTP, unframed JSON, gRPC-Web JSON), strict in what it
 * reads and plain in what it writes:
 *
 * <ul>
 *   <li>an unknown field is refused ({@code INVALID_ARGUMENT} naming it, HTTP 400), so a typo such
 *       as {@code "servce"} can never widen a query by being ignored;
 *   <li>text that is not valid Unicode is refused ({@link UnicodeCheck});
 *   <li>text is written as it is: no HTML-safe escapes ({@code =} stays {@code =}, not {@code
 *       \u003d}).
 * </ul>
 *
 * <p>Reading and writing follow the protobuf JSON mapping, through the same library Armeria uses by
 * default; only these choices differ. One per gRPC service.
 */
public final class JsonCodec implements GrpcJsonMarshaller {

  /** Escapes only what JSON requires. */
  private static final JsonFactory PLAIN =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private final MessageMarshaller marshaller;

  private JsonCodec(MessageMarshaller marshaller) {
    this.marshaller = marshaller;
  }

  /** The codec of a service's request and response messages. */
  public static JsonCodec of(ServiceDescriptor service) {
    MessageMarshaller.Builder builder =
        MessageMarshaller.builder()
            .omittingInsignificantWhitespace(true)
            .ignoringUnknownFields(false);
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      register(builder, method.getRequestMarshaller());
      register(builder, method.getResponseMarshaller());
    }
    return new JsonCodec(builder.build());
  }

  private static void register(
      MessageMarshaller.Builder builder, MethodDescriptor.Marshaller<?> m) {
    Message prototype = prototypeOf(m);
    if (prototype != null) {
      builder.register(prototype);
    }
  }

  /**
   * The message a marshaller reads: its prototype, or the default instance of its class (for
   * marshallers of their own such as {@link IngestRequestMarshaller}); null when it is not one.
   */
  @SuppressWarnings("unchecked")
  private static Message prototypeOf(MethodDescriptor.Marshaller<?> m) {
    if (m instanceof MethodDescriptor.PrototypeMarshaller<?> p) {
      return p.getMessagePrototype() instanceof Message prototype ? prototype : null;
    }
    if (m instanceof MethodDescriptor.ReflectableMarshaller<?> r
        && Message.class.isAssignableFrom(r.getMessageClass())) {
      return Internal.getDefaultInstance((Class<Message>) r.getMessageClass());
    }
    return null;
  }

  @Override
  public <T> void serializeMessage(MethodDescriptor.Marshaller<T> m, T message, OutputStream out)
      throws IOException {
    try (JsonGenerator generator = PLAIN.createGenerator(out)) {
      marshaller.writeValue((Message) message, generator);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T deserializeMessage(MethodDescriptor.Marshaller<T> m, InputStream in)
      throws IOException {
    Message.Builder builder = prototypeOf(m).newBuilderForType();
    marshaller.mergeValue(in, builder);
    return (T) UnicodeCheck.checked(builder.build());
  }

  /** A message as plain JSON, as the API writes it (for webhooks, say). */
  public static String print(Message message) {
    try {
      java.io.StringWriter out = new java.io.StringWriter();
      try (JsonGenerator generator = PLAIN.createGenerator(out)) {
        PRINTERS.get(message.getClass()).writeValue(message, generator);
      }
      return out.toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Merges plain JSON that {@link #print} wrote into {@code builder}. */
  public static <B extends Message.Builder> B parse(String json, B builder) {
    try {
      PRINTERS.get(builder.getDefaultInstanceForType().getClass()).mergeValue(json, builder);
      return builder;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** One printer per message type: building one generates code, so it is done once. */
  private static final ClassValue<MessageMarshaller> PRINTERS =
      new ClassValue<>() {
        @Override
        @SuppressWarnings("unchecked")
        protected MessageMarshaller computeValue(Class<?> type) {
          return MessageMarshaller.builder()
              .omittingInsignificantWhitespace(true)
              .register((Class<? extends Message>) type)
              .build();
        }
      };
}
