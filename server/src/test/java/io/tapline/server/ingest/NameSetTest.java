package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NameSetTest {

  private static final List<String> NAMES =
      List.of("password", "card_number", "api-key", "X-Api-Key", "authorization", "pan", "Straße", "kelvin");

  @Test
  void findsNamesInPlaceIgnoringCaseAndSeparators() {
    NameSet normalized = NameSet.normalized(NAMES);
    String s = "..Pass-Word..";
    assertThat(normalized.contains(s, 2, 11)).isTrue();
    assertThat(normalized.contains(s, 2, 10)).isFalse();
    assertThat(normalized.contains("CARDNUMBER")).isTrue();
    assertThat(normalized.contains("apikey")).isTrue();
    assertThat(normalized.contains("pans")).isFalse();
    assertThat(normalized.contains("")).isFalse();
    NameSet lower = NameSet.lowerCase(NAMES);
    assertThat(lower.contains("AUTHORIZATION")).isTrue();
    assertThat(lower.contains("x-api-key")).isTrue();
    assertThat(lower.contains("xapikey")).isFalse();
    assertThat(lower.contains("api_key")).isFalse();
    assertThat(NameSet.lowerCase(List.of()).contains("x")).isFalse();
  }

  @Test
  void comparesAsNormalizeAndToLowerCaseDoOnRandomNames() {
    Set<String> normalizedNames = new HashSet<>();
    Set<String> lowerNames = new HashSet<>();
    for (String name : NAMES) {
      normalizedNames.add(Masker.normalize(name));
      lowerNames.add(name.toLowerCase(Locale.ROOT));
    }
    NameSet normalized = NameSet.normalized(NAMES);
    NameSet lower = NameSet.lowerCase(NAMES);
    // Letters of the names, separators, and characters whose lower case is special: dotted and
    // dotless i, the Kelvin sign, sharp s.
    String alphabet = "passwordcardnumberapikeyxauthorizationPASWORDCNUMBEAKYXTHZ-_ \u0130\u0131\u212A\u00DF\u00E9";
    Random random = new Random(3);
    int hits = 0;
    for (int i = 0; i < 200_000; i++) {
      StringBuilder b = new StringBuilder();
      String base = NAMES.get(random.nextInt(NAMES.size()));
      for (int k = 0; k < base.length(); k++) {
        int r = random.nextInt(12);
        char c = base.charAt(k);
        if (r == 0) {
          b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        } else if (r == 1) {
          b.append(Character.toUpperCase(c));
        } else if (r == 2) {
          b.append(c).append(random.nextBoolean() ? '-' : '_');
        } else if (r != 3) {
          b.append(c);
        }
      }
      String s = "ab" + b + "cd";
      int to = s.length() - 2;
      String name = s.substring(2, to);
      boolean expected = normalizedNames.contains(Masker.normalize(name));
      assertThat(normalized.contains(s, 2, to)).as(name).isEqualTo(expected);
      boolean lowerExpected = lowerNames.contains(name.toLowerCase(Locale.ROOT));
      assertThat(lower.contains(s, 2, to)).as(name).isEqualTo(lowerExpected);
      assertThat(normalized.contains(name)).as(name).isEqualTo(expected);
      assertThat(lower.contains(name)).as(name).isEqualTo(lowerExpected);
      hits += expected ? 1 : 0;
    }
    assertThat(hits).isGreaterThan(10_000);
  }
}
