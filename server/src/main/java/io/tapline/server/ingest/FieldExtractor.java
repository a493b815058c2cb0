package io.tapline.server.ingest;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tapline.server.storage.FieldRule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The extracted fields of one service: reads each {@link FieldRule} from a call's (masked) bodies
 * and headers. A body is parsed once, and only when a rule reads it; a body that is not JSON, a
 * missing value or one that does not fit the rule's type gives no value. Never throws for a call.
 * Thread-safe.
 */
final class FieldExtractor {

  /** Longest string value kept, in characters: {@value}. */
  static final int MAX_STRING_CHARS = 1024;

  /** A service without rules. */
  static final FieldExtractor NONE = new FieldExtractor(List.of());

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The values found in one call. */
  record Values(Map<String, String> strings, Map<String, Double> numbers) {
    static final Values EMPTY = new Values(Map.of(), Map.of());
  }

  private record Compiled(FieldRule rule, JsonPointer pointer) {}

  private final List<Compiled> rules;

  FieldExtractor(List<FieldRule> rules) {
    this.rules =
        rules.stream()
            .map(
                r ->
                    new Compiled(
                        r, r.source().body() ? JsonPointer.compile(r.path()) : JsonPointer.empty()))
            .toList();
  }

  /** The values of this service's fields in a call. */
  Values extract(
      String requestBody,
      String responseBody,
      Map<String, String> requestHeaders,
      Map<String, String> responseHeaders) {
    if (rules.isEmpty()) {
      return Values.EMPTY;
    }
    Map<String, String> strings = new HashMap<>();
    Map<String, Double> numbers = new HashMap<>();
    JsonNode request = null;
    JsonNode response = null;
    for (Compiled c : rules) {
      FieldRule rule = c.rule();
      String text = null;
      JsonNode node = null;
      switch (rule.source()) {
        case REQUEST_BODY -> node = request = request != null ? request : parse(requestBody);
        case RESPONSE_BODY -> node = response = response != null ? response : parse(responseBody);
        case REQUEST_HEADER -> text = header(requestHeaders, rule.path());
        case RESPONSE_HEADER -> text = header(responseHeaders, rule.path());
      }
      if (node != null) {
        node = node.at(c.pointer());
        if (node.isValueNode() && !node.isNull()) {
          text = node.isTextual() ? node.textValue() : node.asText();
        }
      }
      if (text == null) {
        continue;
      }
      if (rule.type() == FieldRule.Type.NUMBER) {
        Double number =
            node != null && node.isNumber() ? Double.valueOf(node.doubleValue()) : number(text);
        if (number != null && Double.isFinite(number)) {
          numbers.put(rule.name(), number);
        }
      } else {
        strings.put(rule.name(), cut(text));
      }
    }
    return new Values(strings, numbers);
  }

  /** The body as JSON, or a missing node when it is empty or not JSON. */
  private static JsonNode parse(String body) {
    if (body.isEmpty()) {
      return JSON.missingNode();
    }
    try {
      JsonNode node = JSON.readTree(body);
      return node == null ? JSON.missingNode() : node;
    } catch (Exception e) { // not JSON, too deep: no value
      return JSON.missingNode();
    }
  }

  /** A header's value; {@code name} is lower case, the sender's names may not be. */
  private static String header(Map<String, String> headers, String name) {
    String value = headers.get(name);
    if (value != null) {
      return value;
    }
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static Double number(String text) {
    String s = text.strip();
    if (s.isEmpty() || s.length() > 64 || !s.matches("[-+]?[0-9.eE+-]+")) {
      return null;
    }
    try {
      return Double.valueOf(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String cut(String text) {
    if (text.length() <= MAX_STRING_CHARS) {
      return text;
    }
    int end = MAX_STRING_CHARS;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }
}
