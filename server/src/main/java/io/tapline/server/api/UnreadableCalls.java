package io.tapline.server.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.tapline.proto.v1.ApiCall;
import java.nio.charset.StandardCharsets;

/**
 * A record of a batch that the decoder could not read (invalid UTF-8 in a protobuf string, an
 * unpaired surrogate in JSON text) travels on in its place as an empty {@link ApiCall} carrying
 * the field and the reason, so that ingest refuses it alone and stores the rest of its batch.
 * The reason rides in an unknown field of a number {@code api_call.proto} reserves for it.
 */
public final class UnreadableCalls {

  /** The field number reserved in {@code ApiCall} for this use. */
  static final int FIELD = 536_870_000;

  private UnreadableCalls() {}

  /** Why a call could not be read: the offending field and a reason. */
  public record Problem(String field, String reason) {}

  /** The placeholder of a call that could not be read. */
  public static ApiCall placeholder(String field, String reason) {
    ByteString text = ByteString.copyFrom(field + "\n" + reason, StandardCharsets.UTF_8);
    return ApiCall.newBuilder()
        .setUnknownFields(
            UnknownFieldSet.newBuilder()
                .addField(FIELD, UnknownFieldSet.Field.newBuilder().addLengthDelimited(text).build())
                .build())
        .build();
  }

  /** The problem of a placeholder, or null for a call that was read. */
  public static Problem problem(ApiCall call) {
    UnknownFieldSet unknown = call.getUnknownFields();
    if (unknown.asMap().isEmpty() || !unknown.hasField(FIELD)) {
      return null;
    }
    String text = unknown.getField(FIELD).getLengthDelimitedList().getFirst().toStringUtf8();
    int newline = text.indexOf('\n');
    return newline < 0
        ? new Problem("", text)
        : new Problem(text.substring(0, newline), text.substring(newline + 1));
  }
}
