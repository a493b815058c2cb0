package io.tapline.server.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import java.util.List;
import java.util.Map;

/**
 * Refuses text that is not valid Unicode: a JSON string may hold an unpaired surrogate ({@code
 * "\ud800"}), which no store can keep (UTF-8 cannot encode it) and which would come back changed.
 * Protobuf requests cannot carry one (their strings are checked UTF-8). A batch's calls are judged
 * one by one: an unreadable call is replaced by its {@linkplain UnreadableCalls placeholder}.
 */
final class UnicodeCheck {

  private UnicodeCheck() {}

  /**
   * The message itself when all its text is valid, a batch with unreadable calls replaced.
   *
   * @throws InvalidProtocolBufferException naming the first field that is not valid text
   */
  static Message checked(Message message) throws InvalidProtocolBufferException {
    if (message instanceof IngestRequest batch) {
      return checkedBatch(batch);
    }
    String bad = firstInvalid(message, "");
    if (bad != null) {
      throw new InvalidProtocolBufferException(
          bad + ": is not valid Unicode text (an unpaired surrogate)");
    }
    return message;
  }

  private static IngestRequest checkedBatch(IngestRequest batch)
      throws InvalidProtocolBufferException {
    if (!isValid(batch.getBatchId())) {
      throw new InvalidProtocolBufferException("batch_id: is not valid Unicode text");
    }
    IngestRequest.Builder out = null;
    for (int i = 0; i < batch.getCallsCount(); i++) {
      ApiCall call = batch.getCalls(i);
      String bad = firstInvalid(call, "");
      if (bad != null) {
        if (out == null) {
          out = batch.toBuilder();
        }
        out.setCalls(
            i,
            UnreadableCalls.placeholder(bad, "is not valid Unicode text (an unpaired surrogate)"));
      }
    }
    return out == null ? batch : out.build();
  }

  /** The path of the first field of {@code message} holding invalid text, or null. */
  private static String firstInvalid(Message message, String prefix) {
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      String path = prefix + field.getName();
      if (field.isRepeated()) {
        List<?> values = (List<?>) e.getValue();
        for (int i = 0; i < values.size(); i++) {
          String bad = invalid(values.get(i), field.isMapField() ? path : path + "[" + i + "]");
          if (bad != null) {
            return bad;
          }
        }
      } else {
        String bad = invalid(e.getValue(), path);
        if (bad != null) {
          return bad;
        }
      }
    }
    return null;
  }

  private static String invalid(Object value, String path) {
    if (value instanceof String s) {
      return isValid(s) ? null : path;
    }
    if (value instanceof Message m) {
      return firstInvalid(m, path + ".");
    }
    return null;
  }

  /** True when {@code s} has no unpaired surrogate. */
  static boolean isValid(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return false;
      }
      if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
