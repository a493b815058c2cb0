package io.tapline.server.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tapline.masking.Masker;
import io.tapline.server.storage.ReplayRecord.BodyDiff;
import io.tapline.server.storage.ReplayRecord.FieldChange;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Compares two response bodies. When both parse as JSON they are compared structurally: object
 * fields by name, arrays by index, paths as JSON Pointers; fields whose original value was masked
 * are not compared. Otherwise line by line (a longest-common-subsequence diff), listing the lines
 * only in one side. Output is bounded by {@link #MAX_ENTRIES}.
 */
final class BodyDiffer {

  /** Most changes (or text lines) listed: {@value}; beyond it the diff says it is truncated. */
  static final int MAX_ENTRIES = 200;

  /** Longest text (in lines on either side) diffed line by line: {@value}. */
  static final int MAX_TEXT_LINES = 2_000;

  /** Longest value shown in a field change, in characters: {@value}. */
  static final int MAX_VALUE_CHARS = 1_000;

  private BodyDiffer() {}

  static BodyDiff diff(String original, String replay, String note) {
    if (original.equals(replay)) {
      return new BodyDiff("IDENTICAL", List.of(), List.of(), List.of(), List.of(), false, note);
    }
    JsonNode before = parse(original);
    JsonNode after = parse(replay);
    if (before != null && after != null) {
      Json json = new Json();
      json.compare("", before, after);
      return new BodyDiff(
          "JSON", json.added, json.removed, json.changed, List.of(), json.truncated, note);
    }
    Text text = new Text();
    text.compare(original, replay);
    return new BodyDiff("TEXT", List.of(), List.of(), List.of(), text.lines, text.truncated, note);
  }

  private static JsonNode parse(String body) {
    if (body.isBlank()) {
      return null;
    }
    try {
      return ReplayRequests.JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static final class Json {
    final List<FieldChange> added = new ArrayList<>();
    final List<FieldChange> removed = new ArrayList<>();
    final List<FieldChange> changed = new ArrayList<>();
    boolean truncated;

    private boolean full() {
      if (added.size() + removed.size() + changed.size() >= MAX_ENTRIES) {
        truncated = true;
        return true;
      }
      return false;
    }

    void compare(String path, JsonNode before, JsonNode after) {
      if (before.isTextual() && Masker.MASKED.equals(before.asText())) {
        return;
      }
      if (before.isObject() && after.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = before.fields(); it.hasNext(); ) {
          var e = it.next();
          String child = path + "/" + pointerToken(e.getKey());
          JsonNode other = after.get(e.getKey());
          if (other == null) {
            if (!full()) {
              removed.add(new FieldChange(child, show(e.getValue()), ""));
            }
          } else {
            compare(child, e.getValue(), other);
          }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = after.fields(); it.hasNext(); ) {
          var e = it.next();
          if (!before.has(e.getKey()) && !full()) {
            added.add(
                new FieldChange(path + "/" + pointerToken(e.getKey()), "", show(e.getValue())));
          }
        }
      } else if (before.isArray() && after.isArray()) {
        int common = Math.min(before.size(), after.size());
        for (int i = 0; i < common; i++) {
          compare(path + "/" + i, before.get(i), after.get(i));
        }
        for (int i = common; i < before.size() && !full(); i++) {
          removed.add(new FieldChange(path + "/" + i, show(before.get(i)), ""));
        }
        for (int i = common; i < after.size() && !full(); i++) {
          added.add(new FieldChange(path + "/" + i, "", show(after.get(i))));
        }
      } else if (!equal(before, after) && !full()) {
        changed.add(new FieldChange(path, show(before), show(after)));
      }
    }

    private static boolean equal(JsonNode a, JsonNode b) {
      if (a.isNumber() && b.isNumber()) {
        return a.decimalValue().compareTo(b.decimalValue()) == 0;
      }
      return a.equals(b);
    }

    private static String show(JsonNode node) {
      String text = node.toString();
      return text.length() <= MAX_VALUE_CHARS ? text : text.substring(0, MAX_VALUE_CHARS) + "…";
    }
  }

  private static final class Text {
    final List<String> lines = new ArrayList<>();
    boolean truncated;

    void compare(String original, String replay) {
      String[] a = original.split("\n", -1);
      String[] b = replay.split("\n", -1);
      if ((long) a.length * b.length > (long) MAX_TEXT_LINES * MAX_TEXT_LINES / 4
          || a.length > MAX_TEXT_LINES
          || b.length > MAX_TEXT_LINES) {
        // Too long for a line diff in bounded memory: name the first differing line instead.
        int i = 0;
        while (i < a.length && i < b.length && a[i].equals(b[i])) {
          i++;
        }
        add("- " + (i < a.length ? a[i] : ""));
        add("+ " + (i < b.length ? b[i] : ""));
        truncated = true;
        return;
      }
      // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
      int[][] lcs = new int[a.length + 1][b.length + 1];
      for (int i = a.length - 1; i >= 0; i--) {
        for (int j = b.length - 1; j >= 0; j--) {
          lcs[i][j] =
              a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
      }
      int i = 0;
      int j = 0;
      while (i < a.length || j < b.length) {
        if (i < a.length && j < b.length && a[i].equals(b[j])) {
          i++;
          j++;
        } else if (j == b.length || i < a.length && lcs[i + 1][j] >= lcs[i][j + 1]) {
          add("- " + a[i++]);
        } else {
          add("+ " + b[j++]);
        }
      }
    }

    private void add(String line) {
      if (lines.size() >= MAX_ENTRIES) {
        truncated = true;
        return;
      }
      lines.add(line.length() <= MAX_VALUE_CHARS ? line : line.substring(0, MAX_VALUE_CHARS) + "…");
    }
  }

  /** A JSON object key as one reference token of a JSON Pointer (RFC 6901). */
  static String pointerToken(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
