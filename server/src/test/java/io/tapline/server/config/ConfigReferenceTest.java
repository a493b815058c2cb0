package io.tapline.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The places that describe configuration outside the code stay consistent with it: the README's
 * reference table and docker-compose.yml.
 */
class ConfigReferenceTest {

  private static final Path ROOT = Path.of("..");
  private final Properties defaults = ConfigLoader.defaults();

  @Test
  void readmeListsEveryKeyWithItsVariableAndDefault() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    for (String key : defaults.stringPropertyNames()) {
      String value = defaults.getProperty(key);
      Pattern row =
          Pattern.compile(
              "\\| `"
                  + Pattern.quote(key)
                  + "` \\| `"
                  + ConfigLoader.envName(key)
                  + "` \\| ([^|]*)\\|");
      Matcher m = row.matcher(readme);
      assertThat(m.find()).as("README configuration table has a row for %s", key).isTrue();
      if (!value.isEmpty()) {
        assertThat(m.group(1)).as("README default of %s", key).contains("`" + value + "`");
      }
    }
  }

  @Test
  void dockerComposePassesOnlyKnownKeysAndResolvableSecrets() throws Exception {
    String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
    Map<String, String> environment = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^\\s+([A-Z][A-Z0-9_]*):\\s*(.*)$").matcher(compose);
    while (m.find()) {
      environment.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
    }
    Map<String, String> byVariable = new LinkedHashMap<>();
    defaults.stringPropertyNames().forEach(key -> byVariable.put(ConfigLoader.envName(key), key));

    long passed = 0;
    for (var entry : environment.entrySet()) {
      if (!entry.getKey().startsWith("TAPLINE_")) {
        continue;
      }
      passed++;
      assertThat(byVariable)
          .as("%s is a configuration key's variable", entry.getKey())
          .containsKey(entry.getKey());
      if (entry.getValue().startsWith("env:")) {
        assertThat(environment)
            .as("%s refers to a variable compose sets", entry.getKey())
            .containsKey(entry.getValue().substring(4));
      }
    }
    assertThat(passed).isGreaterThan(3);
    assertThat(environment.get("TAPLINE_CLICKHOUSE_URL"))
        .startsWith("jdbc:clickhouse://clickhouse:8123");
    // The environment compose gives must load as a valid configuration.
    Map<String, String> env = new LinkedHashMap<>(environment);
    env.replaceAll((k, v) -> v.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1"));
    TaplineConfig config = ConfigLoader.load(new String[0], env);
    assertThat(config.clickhouse().embedded()).isFalse();
    assertThat(config.clickhouse().password()).isNotEmpty();
  }

  @Test
  void dockerComposePinsTheClickHouseImageTheContainerTestsUse() throws Exception {
    String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
    Matcher image =
        Pattern.compile("image:\\s*(clickhouse/clickhouse-server:\\S+)").matcher(compose);
    assertThat(image.find()).isTrue();
    assertThat(image.group(1))
        .doesNotEndWith(":latest")
        .isEqualTo(io.tapline.server.storage.ContainerStorageIT.IMAGE);
  }
}
