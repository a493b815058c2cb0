package io.tapline.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

  @Test
  void generatedKeysParseBackAndMatchTheirHash() {
    ApiKeys.Generated key = ApiKeys.generate();
    assertThat(key.key()).startsWith("tap_").hasSize(4 + 12 + 1 + 26 + 6);
    ApiKeys.Parsed parsed = ApiKeys.parse(key.key());
    assertThat(parsed.keyId()).isEqualTo(key.keyId());
    assertThat(ApiKeys.matches(parsed.secret(), key.secretHash())).isTrue();
    assertThat(key.secretHash()).doesNotContain(parsed.secret());
  }

  @Test
  void anySingleCharacterChangeIsCaughtByTheChecksum() {
    String key = ApiKeys.generate().key();
    for (int i = 4; i < key.length(); i++) {
      if (key.charAt(i) == '_') {
        continue;
      }
      char replacement = key.charAt(i) == 'a' ? 'b' : 'a';
      String typo = key.substring(0, i) + replacement + key.substring(i + 1);
      assertThat(ApiKeys.parse(typo)).as("typo at %d", i).isNull();
    }
    assertThat(ApiKeys.parse(key.substring(0, key.length() - 1))).isNull();
  }

  @Test
  void keysAreUnique() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(ApiKeys.generate().keyId());
    }
    assertThat(ids).hasSize(1000);
  }
}
