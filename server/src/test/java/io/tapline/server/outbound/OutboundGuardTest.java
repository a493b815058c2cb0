package io.tapline.server.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The guard's decisions, with a resolver that maps test names to chosen addresses. */
class OutboundGuardTest {

  private static final Map<String, String> DNS =
      Map.of(
          "hooks.example.com", "93.184.216.34",
          "alerts.internal", "10.0.0.9",
          "engine.internal", "127.0.0.1");

  private static OutboundGuard guard(String... allowed) {
    return new OutboundGuard(
        host -> {
          String address =
              DNS.get(host.endsWith(".") ? host.substring(0, host.length() - 1) : host);
          if (address == null) {
            throw new UnknownHostException(host);
          }
          return List.of(InetAddress.ofLiteral(address));
        },
        List.of(allowed));
  }

  @Test
  void publicTargetsPassWithTheirCheckedAddress() {
    OutboundGuard.Target target = guard().check(URI.create("https://hooks.example.com/t?x=1"));
    assertThat(target.address()).isEqualTo(InetAddress.ofLiteral("93.184.216.34"));
    assertThat(target.authority()).isEqualTo("hooks.example.com");
    assertThat(target.pathAndQuery()).isEqualTo("/t?x=1");
  }

  @Test
  void nonPublicTargetsPassOnlyWhenTheOperatorAllowsTheirNameOrAddress() {
    assertThatThrownBy(() -> guard().check(URI.create("http://alerts.internal/hook")))
        .isInstanceOf(OutboundRefusedException.class)
        .hasMessageContaining("resolves to 10.0.0.9, a private (RFC 1918) address");
    assertThat(guard("alerts.internal").check(URI.create("http://alerts.internal/hook")).address())
        .isEqualTo(InetAddress.ofLiteral("10.0.0.9"));
    assertThat(guard("ALERTS.internal.").check(URI.create("http://alerts.internal./hook")).port())
        .isEqualTo(80);
    assertThat(guard("10.0.0.9").check(URI.create("http://alerts.internal/hook")).host())
        .isEqualTo("alerts.internal");
    // Allowing one name or address allows nothing else.
    assertThatThrownBy(
            () -> guard("alerts.internal").check(URI.create("http://engine.internal:8123/")))
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> guard("10.0.0.9").check(URI.create("http://127.0.0.1:8123/")))
        .hasMessageContaining("loopback");
  }

  @Test
  void oddFormsAreRefusedBeforeAnyLookup() {
    for (String url :
        new String[] {
          "ftp://hooks.example.com/", "http://user@hooks.example.com/", "http://017700000001/",
          "http://127.1/", "http://hooks.example.com/a/../b", "http://hooks.example.com:99999/",
          "http://[::1%25eth0]/", "http://-bad-.example.com/", "http://" + "a".repeat(64) + ".com/"
        }) {
      assertThatThrownBy(() -> guard().check(URI.create(url)))
          .as(url)
          .isInstanceOf(OutboundRefusedException.class);
    }
    assertThatThrownBy(() -> guard().check(URI.create("http://nowhere.example.com/")))
        .hasMessageContaining("cannot be resolved");
  }
}
