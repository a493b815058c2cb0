package io.tapline.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SensitiveNamesTest {

  private final SensitiveNames names =
      SensitiveNames.of(
          List.of(
              "password",
              "client_secret",
              "signature",
              "credential",
              "otp",
              "api_key",
              "key",
              "code",
              "cardNumber",
              "token"));

  @Test
  void matchesWholeNamesInAnyCaseAndWithAnySeparators() {
    assertThat(names.contains("password")).isTrue();
    assertThat(names.contains("PASSWORD")).isTrue();
    assertThat(names.contains("Pass-Word")).isTrue();
    assertThat(names.contains("client-secret")).isTrue();
    assertThat(names.contains("ClientSecret")).isTrue();
    assertThat(names.contains("card_number")).isTrue();
    assertThat(names.contains("otp")).isTrue();
    assertThat(names.contains("OTP")).isTrue();
  }

  @Test
  void matchesNamesAsTokensOfLongerNames() {
    assertThat(names.contains("new_password")).isTrue();
    assertThat(names.contains("newPassword")).isTrue();
    assertThat(names.contains("password_confirmation")).isTrue();
    assertThat(names.contains("X-Amz-Signature")).isTrue();
    assertThat(names.contains("X-Amz-Credential")).isTrue();
    assertThat(names.contains("x-client-secret-v2")).isTrue();
    assertThat(names.contains("x-api-key")).isTrue(); // two adjacent tokens: api key
    assertThat(names.contains("user.otp")).isTrue();
    assertThat(names.contains("csrf_token")).isTrue();
  }

  @Test
  void leavesHarmlessNamesAlone() {
    assertThat(names.contains("passwords_reset_count")).isFalse(); // "passwords" is another token
    assertThat(names.contains("secretary")).isFalse();
    assertThat(names.contains("tokens_used")).isFalse();
    assertThat(names.contains("keyboard")).isFalse();
    assertThat(names.contains("name")).isFalse();
    assertThat(names.contains("")).isFalse();
    assertThat(names.contains("---")).isFalse();
  }

  @Test
  void shortGenericNamesMatchOnlyWhole() {
    assertThat(names.contains("key")).isTrue();
    assertThat(names.contains("KEY")).isTrue();
    assertThat(names.contains("code")).isTrue();
    assertThat(names.contains("sort_key")).isFalse();
    assertThat(names.contains("country_code")).isFalse();
    assertThat(names.contains("statusCode")).isFalse();
  }

  @Test
  void readsNamesInPlaceInLongerText() {
    String text = "{\"new_password\":1}";
    assertThat(names.contains(text, 2, 14)).isTrue();
    assertThat(names.contains(text, 2, 5)).isFalse(); // "new"
  }

  @Test
  void matchesNamesBeyondAscii() {
    SensitiveNames unicode = SensitiveNames.of(List.of("contraseña"));
    assertThat(unicode.contains("Contraseña")).isTrue();
    assertThat(unicode.contains("nueva_contraseña")).isTrue();
    assertThat(names.contains("пароль_password")).isTrue();
    assertThat(names.contains("пароль")).isFalse();
  }

  @Test
  void readsInPlaceAsTheRuleSaysOnRandomNames() {
    List<String> listed =
        List.of("password", "card_number", "api-key", "secret", "pan", "key", "Straße");
    SensitiveNames set = SensitiveNames.of(listed);
    java.util.Set<String> compared = new java.util.HashSet<>();
    listed.forEach(name -> compared.add(String.join("", SensitiveNames.tokens(name))));
    // Letters of the names, separators, upper case, digits, and characters beyond ASCII.
    String alphabet = "passwordcardnumberapikeysecretPASWORDCNUMBEAKYST-_. 09\u0130\u00DF\u00E9";
    java.util.Random random = new java.util.Random(3);
    int hits = 0;
    for (int i = 0; i < 200_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int parts = 1 + random.nextInt(3), p = 0; p < parts; p++) {
        String base = listed.get(random.nextInt(listed.size()));
        for (int k = 0; k < base.length(); k++) {
          int r = random.nextInt(14);
          char c = base.charAt(k);
          if (r == 0) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
          } else if (r == 1) {
            b.append(Character.toUpperCase(c));
          } else if (r != 2) {
            b.append(c);
          }
        }
        b.append(random.nextBoolean() ? "_" : random.nextBoolean() ? "" : "-");
      }
      String s = "a\"" + b + "\"z";
      String name = s.substring(2, s.length() - 2);
      boolean expected = rule(compared, name);
      assertThat(set.contains(s, 2, s.length() - 2)).as(name).isEqualTo(expected);
      assertThat(set.contains(name)).as(name).isEqualTo(expected);
      hits += expected ? 1 : 0;
    }
    assertThat(hits).isBetween(20_000, 180_000);
  }

  /** The rule as the class documents it, on a copy of the name. */
  private static boolean rule(java.util.Set<String> compared, String name) {
    List<String> tokens = SensitiveNames.tokens(name);
    if (compared.contains(String.join("", tokens))) {
      return true;
    }
    for (int i = 0; i < tokens.size(); i++) {
      if (compared.contains(tokens.get(i))
          && !SensitiveNames.WHOLE_NAME_ONLY.contains(tokens.get(i))) {
        return true;
      }
      if (i > 0 && compared.contains(tokens.get(i - 1) + tokens.get(i))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void addsNames() {
    SensitiveNames more = names.plus(List.of("x-tenant"));
    assertThat(more.contains("X-Tenant")).isTrue();
    assertThat(more.contains("password")).isTrue();
    assertThat(names.contains("X-Tenant")).isFalse();
    assertThat(SensitiveNames.none().contains("password")).isFalse();
  }
}
