package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The masker's shortcuts change nothing it masks: the first pass over JSON bodies only skips bodies
 * that hold nothing to mask (these cases must still be masked, and on generated bodies the result
 * must equal that of always parsing), and names looked up in place match as before.
 */
class MaskerFastPathTest {

  private static final TaplineConfig.Ingest CONFIG = ConfigLoader.load(new String[0]).ingest();
  private final Masker masker = Masker.of(CONFIG);

  @Test
  void returnsCleanBodiesThemselvesWithoutRewriting() {
    String[] clean = {
      "{\"customer\":{\"id\":\"cus_1\",\"email\":\"a@example.com\"},\"note\":\"at 12:30\"}",
      "{\"created_at\":1735689600000,\"order\":\"1234567890123456789\",\"n\":4111111111111112}",
      "{\"note\":\"the password: is not a member\",\"tokens_used\":3, \"secretary\" : \"ann\"}",
      "[{\"a\":\"b\"}, 1, 2.5, true, null]",
      "{\"path\":\"C:\\\\Windows\"}",
    };
    for (String body : clean) {
      assertThat(masker.body(body, "application/json")).as(body).isSameAs(body);
    }
  }

  @Test
  void masksSensitiveNamesNestedAndInAnyCase() {
    assertThat(masker.body("{\"a\":{\"b\":[{\"c\":{\"Pass-Word\":\"x\",\"d\":1}}]}}", null))
        .isEqualTo("{\"a\":{\"b\":[{\"c\":{\"Pass-Word\":\"[masked]\",\"d\":1}}]}}");
    assertThat(masker.body("{\"PASSWORD\":\"x\",\"Card_Number\":\"y\",\"cArD-nUmBeR\":1}", null))
        .isEqualTo(
            "{\"PASSWORD\":\"[masked]\",\"Card_Number\":\"[masked]\",\"cArD-nUmBeR\":\"[masked]\"}");
    assertThat(masker.body("{\"token\"\t:\n\"t\"}", null)).isEqualTo("{\"token\":\"[masked]\"}");
  }

  @Test
  void masksNamesWithEscapes() {
    assertThat(masker.body("{\"pass\\u0077ord\":\"hunter2\"}", null))
        .isEqualTo("{\"password\":\"[masked]\"}");
    assertThat(masker.body("{\"a\\\"b\":1,\"secret\":\"s\"}", null))
        .isEqualTo("{\"a\\\"b\":1,\"secret\":\"[masked]\"}");
    // An escaped quote in a value before a sensitive member.
    assertThat(masker.body("{\"q\":\"say \\\"hi\\\"\",\"api_key\":\"k\"}", null))
        .isEqualTo("{\"q\":\"say \\\"hi\\\"\",\"api_key\":\"[masked]\"}");
  }

  @Test
  void masksCardNumbersGroupedOrEscaped() {
    assertThat(masker.body("{\"note\":\"card 4111 1111 1111 1111 ok\"}", null))
        .isEqualTo("{\"note\":\"card [masked] ok\"}");
    assertThat(masker.body("{\"note\":\"card 4111-1111-1111-1111\"}", null))
        .isEqualTo("{\"note\":\"card [masked]\"}");
    assertThat(masker.body("{\"pan2\":5500000000000004}", null)).isEqualTo("{\"pan2\":\"[masked]\"}");
    // Escaped dashes or digits break the digit runs of the raw text, not those of the value.
    assertThat(masker.body("{\"note\":\"card 4111\\u002D1111\\u002d1111\\u002D1111\"}", null))
        .isEqualTo("{\"note\":\"card [masked]\"}");
    assertThat(masker.body("{\"note\":\"\\u0034\\u0031\\u00311111\\u003111111111\"}", null))
        .isEqualTo("{\"note\":\"[masked]\"}");
  }

  @Test
  void masksCutJsonLikeBefore() {
    assertThat(masker.body("{\"a\":\"4111111111111111\",\"b\":", null))
        .isEqualTo("{\"a\":\"[masked]\",\"b\":");
    String cutClean = "{\"a\":\"x\",\"b\":[1,2";
    assertThat(masker.body(cutClean, null)).isEqualTo(cutClean);
  }

  @Test
  void masksUrlsAndFormsWithNamesLookedUpInPlace() {
    String clean = "https://api.test/v1/users/1?page=2&limit=50#top";
    assertThat(masker.url(clean)).isSameAs(clean);
    assertThat(masker.url("https://a.test/x?email=a@b.c&Pass%2Dword=p&token=t#token=f"))
        .isEqualTo("https://a.test/x?email=a@b.c&Pass%2Dword=[masked]&token=[masked]#token=f");
    assertThat(masker.url("https://u:p@h.test/a@b?x=1&secret=s"))
        .isEqualTo("https://u:[masked]@h.test/a@b?x=1&secret=[masked]");
    assertThat(masker.url("https://h.test/?=&&token&KEY=k&x=4111111111111111"))
        .isEqualTo("https://h.test/?=&&token&KEY=[masked]&x=[masked]");
    String form = "application/x-www-form-urlencoded";
    assertThat(masker.body("password=[masked]&x=1", form)).isEqualTo("password=[masked]&x=1");
    assertThat(masker.body("a+b=1&client%5Fsecret=s&Access_Token=t", form))
        .isEqualTo("a+b=1&client%5Fsecret=[masked]&Access_Token=[masked]");
    assertThat(masker.queryParams(java.util.Map.of("Pass-Word", "p"))).containsEntry("Pass-Word", Masker.MASKED);
  }

  @Test
  void masksHeadersInAnyCaseWithoutCopyingTheirNames() {
    java.util.Map<String, String> headers =
        java.util.Map.of("aUTHORIZATION", "a", "X-Internal", "i", "x_api_key", "k", "Accept", "*/*");
    assertThat(masker.headers(headers, NameSet.lowerCase(java.util.Set.of("x-internal"))))
        .containsEntry("aUTHORIZATION", Masker.MASKED)
        .containsEntry("X-Internal", Masker.MASKED)
        .containsEntry("x_api_key", "k") // header names are compared as they are, '_' included
        .containsEntry("Accept", "*/*");
    assertThat(masker.headers(headers, NameSet.lowerCase(java.util.Set.of()))).containsEntry("X-Internal", "i");
  }

  @Test
  void findsLongDigitRunsLookingAtOneCharacterInThirteen() {
    Random random = new Random(11);
    String alphabet = "0123456789012345678901234567890123456789 --  a.";
    int found = 0;
    for (int i = 0; i < 100_000; i++) {
      StringBuilder s = new StringBuilder();
      int length = random.nextInt(60);
      for (int k = 0; k < length; k++) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      boolean expected = hasLongDigitRun(s.toString());
      assertThat(Masker.mayHoldCardNumber(s.toString())).as(s.toString()).isEqualTo(expected);
      found += expected ? 1 : 0;
    }
    assertThat(found).isBetween(10_000, 90_000);
    assertThat(Masker.mayHoldCardNumber("x".repeat(25) + "4111 1111 1111 1")).isTrue();
    assertThat(Masker.mayHoldCardNumber("x".repeat(25) + "4111 1111 1111 ")).isFalse();
    assertThat(Masker.mayHoldCardNumber("4111  1111 1111 1111")).isFalse(); // two spaces
  }

  /** The rule, read one character after the other: 13 digits, single spaces or dashes between. */
  private static boolean hasLongDigitRun(String s) {
    int digits = 0;
    boolean afterSeparator = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (++digits >= 13) {
          return true;
        }
        afterSeparator = false;
      } else if ((c == ' ' || c == '-') && digits > 0 && !afterSeparator) {
        afterSeparator = true;
      } else {
        digits = 0;
        afterSeparator = false;
      }
    }
    return false;
  }

  @Test
  void givesWhatParsingGivesOnGeneratedBodies() {
    Random random = new Random(7);
    int masked = 0;
    int unchanged = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder json = new StringBuilder();
      value(json, random, 0);
      String body = json.toString();
      if (random.nextInt(5) == 0) {
        body = body.substring(0, random.nextInt(body.length()) + 1); // cut by the sender
      }
      String expected = masker.jsonByParsing(body);
      String actual = masker.body(body, "application/json");
      assertThat(actual).as(body).isEqualTo(expected);
      if (actual.equals(body)) {
        unchanged++;
      } else {
        masked++;
      }
    }
    assertThat(masked).isGreaterThan(2_000);
    assertThat(unchanged).isGreaterThan(2_000);
  }

  private static final String[] NAMES = {
    "id", "name", "note", "password", "Password", "PASS_WORD", "pass-word", "passwords",
    "cardNumber", "card_number", "token", "tokens", "secretary", "apiKey", "x", "created_at",
    "pan", "span", "ssn", "CVV"
  };

  private static final String[] TEXTS = {
    "hello", "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "4111111111111112",
    "1735689600000", "paid with 5500 0000 0000 0004.", "\\\"password\\\": x", "12:30",
    "a\\nb", "C:\\\\users", "378282246310005", "2-3-4-5", "\\\"token\\\" : \\\"t\\\"", ""
  };

  private static final String[] NUMBERS = {
    "5500000000000004", "1735689600000", "-4111111111111111", "12.5", "0", "4111111111111111.0",
    "3e5", "6011111111111117"
  };

  private static void value(StringBuilder out, Random random, int depth) {
    // The top level is an object or array: other bodies are not JSON to the masker.
    int kind = depth == 0 ? random.nextInt(2) : depth >= 4 ? 2 + random.nextInt(3) : random.nextInt(5);
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

  /** A JSON string of {@code raw} (escaped where it needs), some characters as backslash-u escapes. */
  private static void string(StringBuilder out, Random random, String raw) {
    out.append('"');
    boolean escapeSome = random.nextInt(6) == 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\\') {
        out.append(c).append(raw.charAt(++i)); // keep the escapes of the text as they are
      } else if (escapeSome && random.nextInt(3) == 0) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
