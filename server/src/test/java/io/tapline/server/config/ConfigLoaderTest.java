package io.tapline.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @Test
  void defaultsWorkOnAFreshMachine() {
    TaplineConfig config = ConfigLoader.load(new String[0], Map.of());
    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.clickhouse().embedded()).isTrue();
    assertThat(config.clickhouse().database()).isEqualTo("tapline");
    assertThat(config.embedded().library().toString())
        .startsWith(System.getProperty("user.home"))
        .endsWith("libchdb.so");
    assertThat(config.embedded().startTimeout()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void fileThenEnvironmentThenFlagsOverride(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tapline.properties");
    Files.writeString(
        file, "server.port=7000\nquery.max-concurrent=3\nclickhouse.user=file-user\n");
    TaplineConfig config =
        ConfigLoader.load(
            new String[] {"--config=" + file, "--server.port=9000"},
            Map.of("TAPLINE_SERVER_PORT", "8000", "TAPLINE_CLICKHOUSE_USER", "env-user"));
    assertThat(config.server().port()).isEqualTo(9000);
    assertThat(config.clickhouse().user()).isEqualTo("env-user");
    assertThat(config.query().maxConcurrent()).isEqualTo(3);
  }

  @Test
  void zeroMeansHalfTheCoresAndRenamedKeysAreNamed() {
    TaplineConfig config = ConfigLoader.load(new String[0], Map.of());
    int half = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    assertThat(config.query().maxConcurrent()).isEqualTo(half);
    assertThat(config.query().maxThreads()).isEqualTo(half);
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--clickhouse.pool-size=8"}, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("clickhouse.pool-size (now query.max-concurrent)");
  }

  @Test
  void secretsResolveByReferenceAndAreNeverPrinted(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("pw");
    Files.writeString(secret, "from-file\n");
    TaplineConfig fromEnv =
        ConfigLoader.load(
            new String[] {"--clickhouse.password=env:CH_PW"}, Map.of("CH_PW", "s3cret"));
    assertThat(fromEnv.clickhouse().password()).isEqualTo("s3cret");
    assertThat(fromEnv.clickhouse().toString()).doesNotContain("s3cret");
    TaplineConfig fromFile =
        ConfigLoader.load(new String[] {"--clickhouse.password=file:" + secret}, Map.of());
    assertThat(fromFile.clickhouse().password()).isEqualTo("from-file");
    assertThatThrownBy(
            () -> ConfigLoader.load(new String[] {"--clickhouse.password=env:UNSET"}, Map.of()))
        .hasMessageContaining("clickhouse.password")
        .hasMessageContaining("UNSET");
  }

  @Test
  void errorsNameTheKey() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--server.port=http"}, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.port");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--server.prot=1"}, Map.of()))
        .hasMessageContaining("server.prot");
    assertThatThrownBy(
            () -> ConfigLoader.load(new String[] {"--embedded.start-timeout=soon"}, Map.of()))
        .hasMessageContaining("embedded.start-timeout");
    assertThatThrownBy(
            () -> ConfigLoader.load(new String[] {"--clickhouse.database=a;drop"}, Map.of()))
        .hasMessageContaining("clickhouse.database");
  }

  @Test
  void everyKeyHasAnEnvironmentVariable() {
    assertThat(ConfigLoader.envName("embedded.data-dir")).isEqualTo("TAPLINE_EMBEDDED_DATA_DIR");
  }
}
