package io.tapline.server.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.UnknownFieldSet;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A record of a batch that the decoder could not read (invalid UTF-8 in a protobuf string, an
 * unpaired surrogate in JSON text) travels on in its place as an empty {@link ApiCall} carrying the
 * field and the reason, so that ingest refuses it alone and stores the rest of its batch. A batch
 * that cannot be read at all travels on the same way as an empty {@link IngestRequest}, so that an
 * IngestStream answers it like any refused batch and stays open. The reason rides in an unknown
 * field of a number that {@code ApiCall} and {@code IngestRequest} reserve for it.
 */
public final class UnreadableCalls {

  /** The field number reserved in {@code ApiCall} and {@code IngestRequest} for this use. */
  static final int FIELD = 536_870_000;

  private UnreadableCalls() {}

  /** Why a call could not be read: the offending field and a reason. */
  public record Problem(String field, String reason) {}

  /** The placeholder of a call that could not be read. */
  public static ApiCall placeholder(String field, String reason) {
    return ApiCall.newBuilder().setUnknownFields(reasonField(field, reason)).build();
  }

  private static UnknownFieldSet reasonField(String field, String reason) {
    ByteString text = ByteString.copyFrom(field + "\n" + reason, StandardCharsets.UTF_8);
    return UnknownFieldSet.newBuilder()
        .addField(FIELD, UnknownFieldSet.Field.newBuilder().addLengthDelimited(text).build())
        .build();
  }

  /** The placeholder of a batch that could not be read. */
  public static IngestRequest unreadableBatch(String field, String reason) {
    return IngestRequest.newBuilder().setUnknownFields(reasonField(field, reason)).build();
  }

  /** The problem of a placeholder (call or batch), or null for a message that was read. */
  public static Problem problem(MessageOrBuilder message) {
    UnknownFieldSet unknown = message.getUnknownFields();
    if (!unknown.hasField(FIELD)) {
      return null;
    }
    List<ByteString> reason = unknown.getField(FIELD).getLengthDelimitedList();
    if (reason.isEmpty()) { // sent by a client in another wire type
      return new Problem("", "uses a field number the server reserves");
    }
    String text = reason.getFirst().toStringUtf8();
    int newline = text.indexOf('\n');
    return newline < 0
        ? new Problem("", text)
        : new Problem(text.substring(0, newline), text.substring(newline + 1));
  }
}
