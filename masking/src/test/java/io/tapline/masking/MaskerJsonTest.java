package io.tapline.masking;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * JSON bodies: masked in place (everything not masked kept byte for byte), the same as masking the
 * parsed document would be on valid JSON, and masked as far as it goes on cut, malformed or hostile
 * JSON without failing.
 */
class MaskerJsonTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Masker masker = Masker.defaults();
  private final SensitiveNames fields = SensitiveNames.of(Masker.DEFAULT_BODY_FIELDS);

  @Test
  void masksMembersAtAnyDepthInPlace() {
    String body =
        "{\"user\":{\"name\":\"ann\", \"password\" : \"hunter2\",\"cards\":[{\"cardNumber\":\"4111"
            + " 1111 1111 1111\"}]},\n"
            + "\"auth\":{\"client_secret\":{\"nested\":[1,2]}},\"n\":5,\"ok\":true,\"z\":null}";
    assertThat(masker.body(body, "application/json"))
        .isEqualTo(
            "{\"user\":{\"name\":\"ann\", \"password\" : \"[masked]\",\"cards\":[{\"cardNumber\":"
                + "\"[masked]\"}]},\n\"auth\":{\"client_secret\":\"[masked]\"},\"n\":5,\"ok\":true,"
                + "\"z\":null}");
  }

  @Test
  void returnsCleanBodiesThemselves() {
    String[] clean = {
      "{\"customer\":{\"id\":\"cus_1\",\"email\":\"a@example.com\"},\"note\":\"at 12:30\"}",
      "{\"created_at\":1735689600000,\"order\":\"1234567890123456789\",\"n\":4111111111111112}",
      "{\"note\":\"the password: is not a member\",\"tokens_used\":3, \"secretary\" : \"ann\"}",
      "[{\"a\":\"b\"}, 1, 2.5, true, null]",
      "{\"path\":\"C:\\\\Windows\"}",
      "{\"a\":[1,2,{\"b\":\"c\"}]}",
    };
    for (String body : clean) {
      assertThat(masker.body(body, "application/json")).as(body).isSameAs(body);
    }
  }

  @Test
  void masksNamesWrittenWithEscapes() {
    assertThat(masker.body("{\"p\\u0061ssword\" : \"hunter2\"}", null))
        .isEqualTo("{\"p\\u0061ssword\" : \"[masked]\"}");
    assertThat(masker.body("{\"a\\\"b\":1,\"secret\":\"s\"}", null))
        .isEqualTo("{\"a\\\"b\":1,\"secret\":\"[masked]\"}");
    assertThat(masker.body("{\"q\":\"say \\\"hi\\\"\",\"api_key\":\"k\"}", null))
        .isEqualTo("{\"q\":\"say \\\"hi\\\"\",\"api_key\":\"[masked]\"}");
  }

  @Test
  void masksCardNumbersGroupedEscapedOrBare() {
    assertThat(masker.body("{\"note\":\"card 4111-1111-1111-1111\"}", null))
        .isEqualTo("{\"note\":\"card [masked]\"}");
    assertThat(masker.body("{\"pan2\":5500000000000004}", null))
        .isEqualTo("{\"pan2\":\"[masked]\"}");
    assertThat(masker.body("[-4111111111111111, 4111111111111111.5, 4111111111111111e2]", null))
        .isEqualTo("[\"[masked]\", 4111111111111111.5, 4111111111111111e2]");
    assertThat(masker.body("{\"note\":\"card 4111\\u002D1111\\u002d1111\\u002D1111\"}", null))
        .isEqualTo("{\"note\":\"card [masked]\"}");
  }

  @Test
  void masksCutOrMalformedJsonAsFarAsItGoes() {
    assertThat(masker.body("{\"password\": \"hunter2\", \"token\": \"abc", null))
        .isEqualTo("{\"password\": \"[masked]\", \"token\": \"[masked]\"");
    assertThat(masker.body("{\"a\":\"4111111111111111\",\"b\":", null))
        .isEqualTo("{\"a\":\"[masked]\",\"b\":");
    assertThat(masker.body("{\"secret\":{\"a\":[1,2", null)).isEqualTo("{\"secret\":\"[masked]\"");
    assertThat(masker.body("{\"secret\":", null)).isEqualTo("{\"secret\":\"[masked]\"");
    String cutClean = "{\"a\":\"x\",\"b\":[1,2";
    assertThat(masker.body(cutClean, null)).isSameAs(cutClean);
    assertThat(masker.body("{\"password\" \"x\", } ]] \"token\":'y'}", null))
        .isEqualTo("{\"password\" \"x\", } ]] \"token\":\"[masked]\"}");
  }

  @Test
  void masksLongUnterminatedBodiesWithoutFailing() {
    // The body that overflowed the stack of the former masker's regular expression.
    String value = "x\\\"y ".repeat(1_000_000);
    String body = "{\"user\":\"ann\",\"password\":\"" + value;
    assertThat(masker.body(body, "application/json"))
        .isEqualTo("{\"user\":\"ann\",\"password\":\"[masked]\"");
    String unclosedName = "{\"a\":1,\"" + "k".repeat(5_000_000);
    assertThat(masker.body(unclosedName, null)).isSameAs(unclosedName);
  }

  @Test
  void masksHostileShapesWithoutFailing() {
    String deep = "[".repeat(2_000_000) + "{\"token\":\"t\"}" + "]".repeat(2_000_000);
    assertThat(masker.body(deep, null))
        .isEqualTo("[".repeat(2_000_000) + "{\"token\":\"[masked]\"}" + "]".repeat(2_000_000));
    String deepSecret = "{\"secret\":" + "[".repeat(1_000_000);
    assertThat(masker.body(deepSecret, null)).isEqualTo("{\"secret\":\"[masked]\"");
    String backslashes = "{\"a\":\"" + "\\".repeat(3_000_001) + "\"}";
    assertThat(masker.body(backslashes, null)).isSameAs(backslashes);
    String quotes = "[" + "\"\",".repeat(1_000_000) + "\"4111111111111111\"]";
    assertThat(masker.body(quotes, null)).endsWith("\"[masked]\"]");
    String colons = "{" + "\"a\":".repeat(1_000_000);
    assertThat(masker.body(colons, null)).isSameAs(colons);
    String digits = "{\"n\":" + "4".repeat(3_000_000) + "}";
    assertThat(masker.body(digits, null)).isSameAs(digits);
    String escapes = "{\"n\":\"" + "\\u0034".repeat(500_000) + "\"}";
    assertThat(masker.body(escapes, null)).isSameAs(escapes);
  }

  @Test
  void masksFreeTextAndFormsOfHostileShapeWithoutFailing() {
    String equals = "password" + "=".repeat(2_000_000);
    assertThat(masker.text(equals)).startsWith("password=[masked]");
    String quotes = "\"a\":".repeat(1_000_000);
    assertThat(masker.text(quotes)).isSameAs(quotes);
    String names = "token".repeat(1_000_000) + "=x";
    assertThat(masker.text(names)).isSameAs(names);
    String form = "a=1&".repeat(1_000_000) + "password=x";
    assertThat(masker.body(form, null)).endsWith("password=[masked]");
    String multipart = "--b\r\n" + "Content-Disposition: form-data; name=\"x\"\r\n".repeat(200_000);
    assertThat(masker.body(multipart, null)).isNotNull();
    String url = "https://a.test/?" + "&".repeat(2_000_000) + "#" + "=".repeat(1_000_000);
    assertThat(masker.url(url)).isEqualTo(url);
  }

  @Test
  void givesWhatMaskingTheParsedDocumentGivesOnGeneratedBodies() throws Exception {
    Random random = new Random(7);
    int masked = 0;
    int unchanged = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder json = new StringBuilder();
      value(json, random, 0);
      String body = json.toString();
      String actual = masker.body(body, "application/json");
      JsonNode expected = reference(MAPPER.readTree(body));
      assertThat(MAPPER.readTree(actual)).as(body).isEqualTo(expected);
      if (actual.equals(body)) {
        unchanged++;
      } else {
        masked++;
      }
    }
    assertThat(masked).isGreaterThan(2_000);
    assertThat(unchanged).isGreaterThan(2_000);
  }

  @Test
  void keepsCutGeneratedBodiesAsTheyWereUpToTheirSecrets() throws Exception {
    Random random = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder json = new StringBuilder();
      value(json, random, 0);
      String whole = json.toString();
      String body = whole.substring(0, random.nextInt(whole.length()) + 1);
      String actual = masker.body(body, null);
      // What was cut off can only shorten a masked value: text before the first change is kept.
      int same = 0;
      while (same < Math.min(actual.length(), body.length())
          && actual.charAt(same) == body.charAt(same)) {
        same++;
      }
      if (same < body.length()) {
        assertThat(actual.substring(same)).as(body).contains(Masker.MASKED);
      }
    }
  }

  /** The reference: the parsed document masked node by node. */
  private JsonNode reference(JsonNode node) {
    if (node instanceof ObjectNode object) {
      ObjectNode out = MAPPER.createObjectNode();
      Iterator<Map.Entry<String, JsonNode>> members = object.fields();
      while (members.hasNext()) {
        Map.Entry<String, JsonNode> member = members.next();
        out.set(
            member.getKey(),
            fields.contains(member.getKey())
                ? TextNode.valueOf(Masker.MASKED)
                : reference(member.getValue()));
      }
      return out;
    }
    if (node instanceof ArrayNode array) {
      ArrayNode out = MAPPER.createArrayNode();
      array.forEach(element -> out.add(reference(element)));
      return out;
    }
    if (node.isTextual()) {
      return TextNode.valueOf(masker.cards(node.textValue()));
    }
    if (node.isIntegralNumber()) {
      String text = node.asText();
      return Cards.isBareCardNumber(text, 0, text.length())
          ? TextNode.valueOf(Masker.MASKED)
          : node;
    }
    return node;
  }

  private static final String[] NAMES = {
    "id", "name", "note", "password", "Password", "PASS_WORD", "pass-word", "passwords",
    "cardNumber", "card_number", "token", "tokens", "secretary", "apiKey", "x", "created_at",
    "pan", "span", "ssn", "CVV", "new_password", "x-amz-credential", "country_code"
  };

  private static final String[] TEXTS = {
    "hello",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4111111111111111",
    "4111111111111112",
    "1735689600000",
    "paid with 5500 0000 0000 0004.",
    "\\\"password\\\": x",
    "12:30",
    "a\\nb",
    "C:\\\\users",
    "378282246310005",
    "2-3-4-5",
    "\\\"token\\\" : \\\"t\\\"",
    ""
  };

  private static final String[] NUMBERS = {
    "5500000000000004",
    "1735689600000",
    "-4111111111111111",
    "12.5",
    "0",
    "4111111111111111.0",
    "3e5",
    "6011111111111117"
  };

  private static void value(StringBuilder out, Random random, int depth) {
    int kind =
        depth == 0 ? random.nextInt(2) : depth >= 4 ? 2 + random.nextInt(3) : random.nextInt(5);
    switch (kind) {
      case 0 -> {
        out.append('{');
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            out.append(random.nextInt(4) == 0 ? " , " : ",");
          }
          string(out, random, NAMES[random.nextInt(NAMES.length)]);
          out.append(random.nextInt(4) == 0 ? " :\n" : ":");
          value(out, random, depth + 1);
        }
        out.append('}');
      }
      case 1 -> {
        out.append('[');
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          out.append(i > 0 ? "," : "");
          value(out, random, depth + 1);
        }
        out.append(']');
      }
      case 2 -> string(out, random, TEXTS[random.nextInt(TEXTS.length)]);
      case 3 -> out.append(NUMBERS[random.nextInt(NUMBERS.length)]);
      default -> out.append(random.nextBoolean() ? "true" : "null");
    }
  }

  /** A JSON string of {@code raw}, some characters written as backslash-u escapes. */
  private static void string(StringBuilder out, Random random, String raw) {
    out.append('"');
    boolean escapeSome = random.nextInt(6) == 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\\') {
        out.append(c).append(raw.charAt(++i));
      } else if (escapeSome && random.nextInt(3) == 0) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
