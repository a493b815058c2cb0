package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tapline.server.testing.TestTapline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The web console in a real browser: the Playwright tests under {@code console/e2e} drive Debian's
 * Chromium against this server on the embedded engine (sign-in, scopes, the call explorer against
 * SearchCalls, call detail, alerts live, inert recorded values, CSV). Screenshots of each page land
 * in {@code console/target/screenshots}. Outside CI, a machine without Chromium skips them.
 */
class ConsoleBrowserIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static final Path CONSOLE = Path.of("..", "console");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @Test
  void playwrightTestsPassInChromium() throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    if (!ci) {
      assumeTrue(
          Files.isExecutable(CHROMIUM),
          "Chromium is not installed (apt-get install chromium; .ci/run installs it): the console's"
              + " browser tests are skipped");
    }
    assertThat(Path.of("..", "node_modules", ".bin", "playwright"))
        .as(
            "the console's packages are installed by its build (console/scripts/build.sh, npm ci at"
                + " the root)")
        .exists();
    Path log = Path.of("target", "console-e2e.log");
    ProcessBuilder run =
        new ProcessBuilder(List.of("npx", "playwright", "test"))
            .directory(CONSOLE.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    run.environment().put("TAPLINE_URL", "http://127.0.0.1:" + tapline.port());
    run.environment().put("TAPLINE_ADMIN_KEY", tapline.adminKey());
    run.environment().put("CHROMIUM", CHROMIUM.toString());
    Process process = run.start();
    boolean finished = process.waitFor(15, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(finished).as("the browser tests finished in time").isTrue();
    assertThat(process.exitValue()).as("the browser tests passed:%n%s", output).isZero();
  }
}
