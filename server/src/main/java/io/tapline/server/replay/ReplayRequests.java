package io.tapline.server.replay;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tapline.masking.Masker;
import io.tapline.masking.UrlDecoding;
import io.tapline.proto.v1.ReplayOverrides;
import io.tapline.server.api.FailedPreconditionException;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.storage.CallRecord;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds the request a replay sends from a recorded call and the caller's overrides, so that a
 * masked value is never sent: a masked header or query parameter is sent only with a value from the
 * overrides and otherwise left out (and named in the result); a request body with masked values is
 * sent only when the overrides supply every one of them (or a whole body), and is refused
 * otherwise, since leaving fields out would change what the request means.
 */
final class ReplayRequests {

  /** Keeps numbers as written (1.50 stays 1.50) when a body is rewritten. */
  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  private static final Pattern METHOD = Pattern.compile("[A-Z]{1,16}");

  /** Headers a replay never copies: per-connection ones, and those the client sets itself. */
  private static final Set<String> NOT_REPLAYED =
      Set.of(
          "host",
          "content-length",
          "connection",
          "keep-alive",
          "transfer-encoding",
          "upgrade",
          "te",
          "trailer",
          "proxy-connection",
          "proxy-authorization",
          "proxy-authenticate",
          "expect",
          "http2-settings",
          "accept-encoding");

  private ReplayRequests() {}

  static PreparedRequest prepare(CallRecord call, ReplayOverrides o) {
    String method = o.getMethod().isEmpty() ? call.method() : o.getMethod();
    if (!METHOD.matcher(method).matches()) {
      throw new InvalidRequestException(
          "overrides.method", "must be an HTTP method in upper case, such as GET");
    }
    for (var e : o.getHeadersMap().entrySet()) {
      checkNotMasked("overrides.headers[" + e.getKey() + "]", e.getValue());
      if (e.getKey().isBlank() || hasControl(e.getKey()) || hasControl(e.getValue())) {
        throw new InvalidRequestException(
            "overrides.headers[" + e.getKey() + "]",
            "must not be blank or hold control characters");
      }
    }
    o.getQueryParamsMap().forEach((k, v) -> checkNotMasked("overrides.query_params[" + k + "]", v));
    o.getBodyFieldsMap().forEach((k, v) -> checkNotMasked("overrides.body_fields[" + k + "]", v));
    if (o.hasBody()) {
      checkNotMasked("overrides.body", o.getBody());
    }

    UrlParts url = url(call, o);
    Headers headers = headers(call, o);
    String body = body(call, o);
    return new PreparedRequest(
        method,
        url.sent(),
        headers.sent(),
        body,
        url.recorded(),
        headers.recorded(),
        headers.omitted(),
        url.omitted(),
        url.filled());
  }

  private static void checkNotMasked(String field, String value) {
    if (Masker.holdsMask(value)) {
      throw new InvalidRequestException(field, "must be a real value, not " + Masker.MASKED);
    }
  }

  private static boolean hasControl(String s) {
    return s.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7F);
  }

  private record UrlParts(URI sent, String recorded, List<String> omitted, Set<String> filled) {}

  private static UrlParts url(CallRecord call, ReplayOverrides o) {
    boolean overridden = !o.getUrl().isEmpty();
    String field = overridden ? "overrides.url" : "url";
    URI base;
    try {
      // A literal mask is not valid in every part of a URL; encoded, it is found below.
      String text =
          overridden ? o.getUrl() : call.url().replace(Masker.MASKED, Masker.MASKED_URL_ENCODED);
      base = new URI(text);
    } catch (URISyntaxException e) {
      throw new InvalidRequestException(field, "is not a valid URL: " + e.getReason());
    }
    if (!base.isAbsolute() || base.isOpaque()) {
      throw new InvalidRequestException(field, "must be an absolute http or https URL");
    }
    // Query: recorded order kept; masked values filled from the overrides or left out.
    List<String[]> params = new ArrayList<>();
    if (base.getRawQuery() != null && !base.getRawQuery().isEmpty()) {
      for (String pair : base.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        params.add(
            eq < 0
                ? new String[] {pair, null}
                : new String[] {pair.substring(0, eq), pair.substring(eq + 1)});
      }
    }
    Map<String, String> supplied = new LinkedHashMap<>(o.getQueryParamsMap());
    Set<String> omitted = new LinkedHashSet<>();
    Set<String> filled = new LinkedHashSet<>();
    StringBuilder sent = new StringBuilder();
    StringBuilder recorded = new StringBuilder();
    for (String[] p : params) {
      String name = UrlDecoding.decode(p[0]);
      boolean masked = p[1] != null && Masker.holdsMask(p[1]) || Masker.holdsMask(p[0]);
      String sentValue;
      String recordedValue;
      if (supplied.containsKey(name)) {
        sentValue = encode(supplied.get(name));
        recordedValue = masked ? encode(Masker.MASKED) : sentValue;
        if (masked) {
          filled.add(name);
        }
      } else if (masked) {
        omitted.add(name);
        continue;
      } else {
        sentValue = p[1];
        recordedValue = p[1];
      }
      append(sent, p[0], sentValue);
      append(recorded, p[0], recordedValue);
    }
    for (var e : supplied.entrySet()) {
      boolean present = params.stream().anyMatch(p -> UrlDecoding.decode(p[0]).equals(e.getKey()));
      if (!present) {
        append(sent, encode(e.getKey()), encode(e.getValue()));
        append(recorded, encode(e.getKey()), encode(e.getValue()));
      }
    }
    String prefix =
        base.getScheme()
            + "://"
            + base.getRawAuthority()
            + (base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath());
    if (Masker.holdsMask(prefix)) {
      throw new FailedPreconditionException(
          "the recorded URL holds a masked value outside its query string; supply overrides.url");
    }
    String sentText = sent.isEmpty() ? prefix : prefix + "?" + sent;
    try {
      return new UrlParts(
          new URI(sentText),
          recorded.isEmpty() ? prefix : prefix + "?" + recorded,
          List.copyOf(omitted),
          Set.copyOf(filled));
    } catch (URISyntaxException e) {
      throw new InvalidRequestException(
          field, "cannot be rebuilt with the overrides: " + e.getReason());
    }
  }

  private static void append(StringBuilder query, String rawName, String rawValue) {
    if (!query.isEmpty()) {
      query.append('&');
    }
    query.append(rawName);
    if (rawValue != null) {
      query.append('=').append(rawValue);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private record Headers(
      List<Map.Entry<String, String>> sent, Map<String, String> recorded, List<String> omitted) {}

  private static Headers headers(CallRecord call, ReplayOverrides o) {
    Map<String, String> overrides = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    overrides.putAll(o.getHeadersMap());
    Set<String> removed = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    removed.addAll(o.getRemoveHeadersList());
    Map<String, String> sent = new LinkedHashMap<>();
    Map<String, String> recorded = new LinkedHashMap<>();
    List<String> omitted = new ArrayList<>();
    for (var e : new TreeMap<>(call.requestHeaders()).entrySet()) {
      String name = e.getKey();
      String lower = name.toLowerCase(Locale.ROOT);
      if (NOT_REPLAYED.contains(lower)
          || name.startsWith(":")
          || removed.contains(name)
          || overrides.containsKey(name)) {
        continue;
      }
      if (Masker.holdsMask(e.getValue())) {
        omitted.add(name);
        continue;
      }
      sent.put(name, e.getValue());
      recorded.put(name, e.getValue());
    }
    for (var e : overrides.entrySet()) {
      if (NOT_REPLAYED.contains(e.getKey().toLowerCase(Locale.ROOT))
          || e.getKey().startsWith(":")) {
        throw new InvalidRequestException(
            "overrides.headers[" + e.getKey() + "]",
            "is set by the replay itself and cannot be overridden");
      }
      String recordedValue =
          call.requestHeaders().entrySet().stream()
              .filter(h -> h.getKey().equalsIgnoreCase(e.getKey()))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(null);
      boolean fillsMask = recordedValue != null && Masker.holdsMask(recordedValue);
      sent.put(e.getKey(), e.getValue());
      recorded.put(e.getKey(), fillsMask ? Masker.MASKED : e.getValue());
    }
    List<Map.Entry<String, String>> list = new ArrayList<>();
    sent.forEach((k, v) -> list.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
    return new Headers(List.copyOf(list), recorded, List.copyOf(omitted));
  }

  private static String body(CallRecord call, ReplayOverrides o) {
    if (o.hasBody()) {
      if (o.getBodyFieldsCount() > 0) {
        throw new InvalidRequestException(
            "overrides.body_fields", "cannot be combined with overrides.body");
      }
      return o.getBody();
    }
    String body = call.requestBody();
    if (call.requestBodyTruncated()) {
      throw new FailedPreconditionException(
          "the recorded request body was cut to "
              + body.length()
              + " characters at ingest (of "
              + call.requestBodySize()
              + " bytes) and cannot be replayed faithfully; supply"
              + " overrides.body");
    }
    if (!Masker.holdsMask(body) && o.getBodyFieldsCount() == 0) {
      return body;
    }
    JsonNode tree;
    try {
      tree = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      tree = null;
    }
    if (tree == null || !tree.isContainerNode()) {
      if (o.getBodyFieldsCount() > 0) {
        throw new InvalidRequestException(
            "overrides.body_fields", "applies only to a JSON object or array body");
      }
      throw new FailedPreconditionException(
          "the recorded request body holds masked values and is not JSON, so they cannot be"
              + " filled field by field; supply the whole body in overrides.body");
    }
    List<String> maskedKeys = new ArrayList<>();
    List<String> maskedValues = new ArrayList<>();
    findMasked(tree, "", maskedKeys, maskedValues);
    if (!maskedKeys.isEmpty()) {
      throw new FailedPreconditionException(
          "the recorded request body has masked field names ("
              + String.join(", ", maskedKeys)
              + "); supply the whole body in overrides.body");
    }
    for (var e : o.getBodyFieldsMap().entrySet()) {
      JsonPointer pointer;
      try {
        pointer = JsonPointer.compile(e.getKey());
      } catch (IllegalArgumentException ex) {
        throw new InvalidRequestException(
            "overrides.body_fields[" + e.getKey() + "]", "is not a JSON Pointer such as /card/cvv");
      }
      if (pointer.matches() || tree.at(pointer).isMissingNode()) {
        throw new InvalidRequestException(
            "overrides.body_fields[" + e.getKey() + "]", "names no field of the recorded body");
      }
      JsonNode parent = tree.at(pointer.head());
      String last = pointer.last().getMatchingProperty();
      if (parent instanceof ObjectNode object) {
        object.set(last, TextNode.valueOf(e.getValue()));
      } else if (parent instanceof ArrayNode array) {
        array.set(pointer.last().getMatchingIndex(), TextNode.valueOf(e.getValue()));
      }
    }
    List<String> missing =
        maskedValues.stream().filter(p -> !o.getBodyFieldsMap().containsKey(p)).toList();
    if (!missing.isEmpty()) {
      throw new FailedPreconditionException(
          "the recorded request body has masked fields "
              + String.join(", ", missing)
              + ", which are not sent as \""
              + Masker.MASKED
              + "\"; supply their values in"
              + " overrides.body_fields (by JSON Pointer) or the whole body in overrides.body");
    }
    try {
      return JSON.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** JSON Pointers of masked field names and of string values holding the mask. */
  static void findMasked(JsonNode node, String path, List<String> keys, List<String> values) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        var e = it.next();
        String child = path + "/" + BodyDiffer.pointerToken(e.getKey());
        if (Masker.holdsMask(e.getKey())) {
          keys.add(child);
        }
        findMasked(e.getValue(), child, keys, values);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        findMasked(node.get(i), path + "/" + i, keys, values);
      }
    } else if (node.isTextual() && Masker.holdsMask(node.asText())) {
      values.add(path);
    }
  }
}
