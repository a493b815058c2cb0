package io.tapline.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
    Map<String, Map<String, String>> services =
        serviceEnvironments(Files.readString(ROOT.resolve("docker-compose.yml")));
    Map<String, String> byVariable = new LinkedHashMap<>();
    defaults.stringPropertyNames().forEach(key -> byVariable.put(ConfigLoader.envName(key), key));

    for (String service : List.of("tapline", "tapline-cluster")) {
      Map<String, String> environment = services.get(service);
      assertThat(environment).as("service %s", service).isNotNull();
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
    }
    assertThat(services.get("tapline").get("TAPLINE_CLICKHOUSE_URL"))
        .startsWith("jdbc:clickhouse://clickhouse:8123");
    // The environment compose gives each Tapline must load as a valid configuration.
    TaplineConfig single = load(services.get("tapline"));
    assertThat(single.clickhouse().embedded()).isFalse();
    assertThat(single.clickhouse().password()).isNotEmpty();
    TaplineConfig cluster = load(services.get("tapline-cluster"));
    assertThat(cluster.clickhouse().cluster()).isEqualTo("tapline");
    assertThat(cluster.clickhouse().shards()).hasSize(2).allSatisfy(s -> assertThat(s).hasSize(2));
    assertThat(cluster.clickhouse().replicated()).isTrue();
    assertThat(cluster.clickhouse().password()).isNotEmpty();
  }

  /** The cluster profile's nodes, Keeper's included, are the ones its configuration files name. */
  @Test
  void dockerComposeClusterMatchesItsConfigurationFiles() throws Exception {
    Map<String, Map<String, String>> services =
        serviceEnvironments(Files.readString(ROOT.resolve("docker-compose.yml")));
    String clusterXml = Files.readString(ROOT.resolve("deploy/cluster/cluster.xml"));
    String keeperXml = Files.readString(ROOT.resolve("deploy/cluster/keeper.xml"));
    for (String keeper : List.of("keeper1", "keeper2", "keeper3")) {
      assertThat(services).containsKey(keeper);
      assertThat(clusterXml).contains("<host>" + keeper + "</host><port>9181</port>");
      assertThat(keeperXml)
          .contains(
              "<id>"
                  + services.get(keeper).get("KEEPER_ID")
                  + "</id><hostname>"
                  + keeper
                  + "</hostname>");
    }
    for (String node : List.of("ch-s1r1", "ch-s1r2", "ch-s2r1", "ch-s2r2")) {
      assertThat(services.get(node))
          .containsEntry("CLICKHOUSE_SHARD", node.substring(4, 5))
          .containsEntry("CLICKHOUSE_REPLICA", node.substring(6, 7));
      assertThat(clusterXml).contains("<host>" + node + "</host>");
    }
    assertThat(clusterXml).doesNotContain("<internal_replication>false");
  }

  private static TaplineConfig load(Map<String, String> environment) {
    Map<String, String> env = new LinkedHashMap<>(environment);
    env.replaceAll((k, v) -> v.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1"));
    return ConfigLoader.load(new String[0], env);
  }

  /**
   * Each service's environment variables (its {@code NAME: value} lines, YAML anchors aside), by
   * service name.
   */
  private static Map<String, Map<String, String>> serviceEnvironments(String compose) {
    Map<String, Map<String, String>> services = new LinkedHashMap<>();
    Map<String, String> current = null;
    Pattern service = Pattern.compile("^  ([a-z0-9-]+):.*$");
    Pattern variable = Pattern.compile("^\\s+([A-Z][A-Z0-9_]*):\\s*(.*)$");
    for (String line : compose.split("\n")) {
      Matcher s = service.matcher(line);
      Matcher v = variable.matcher(line);
      if (s.matches()) {
        current = new LinkedHashMap<>();
        services.put(s.group(1), current);
      } else if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0))) {
        current = null; // volumes: and other top-level keys
      } else if (current != null && v.matches()) {
        current.put(v.group(1), v.group(2).replaceAll("^\"|\"$", ""));
      }
    }
    return services;
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
