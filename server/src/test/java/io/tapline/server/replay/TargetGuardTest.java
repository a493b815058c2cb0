package io.tapline.server.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tapline.server.api.FailedPreconditionException;
import io.tapline.server.outbound.HostResolver;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.storage.ServiceRecord;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The guard's decisions, with a resolver that maps test names to chosen addresses. */
class TargetGuardTest {

  private final List<String> lookups = new ArrayList<>();

  private final Map<String, List<String>> dns =
      Map.of(
          "api.example.com", List.of("93.184.216.34"),
          "metadata.example.com", List.of("169.254.169.254"),
          "internal.example.com", List.of("10.0.0.5"),
          "mixed.example.com", List.of("93.184.216.35", "127.0.0.1"),
          "v6meta.example.com", List.of("fd00:ec2::254"),
          "mapped.example.com", List.of("::ffff:127.0.0.1"),
          "lab.example.com", List.of("10.0.0.7"));

  private final TargetGuard guard =
      new TargetGuard(
          new OutboundGuard(
              host -> {
                lookups.add(host);
                // As in DNS, a trailing dot names the same host.
                List<String> found =
                    dns.get(host.endsWith(".") ? host.substring(0, host.length() - 1) : host);
                if (found == null) {
                  throw new UnknownHostException(host);
                }
                return found.stream().map(InetAddress::ofLiteral).toList();
              },
              List.of()));

  private static ServiceRecord service(String baseUrl, String... allowList) {
    return new ServiceRecord(
        "svc",
        "",
        baseUrl,
        List.of(allowList),
        0,
        List.of(),
        ServiceRecord.Otlp.NONE,
        List.of(),
        Instant.EPOCH);
  }

  private OutboundGuard.Target check(String url, ServiceRecord service) {
    return guard.check(URI.create(url), service);
  }

  private void assertRefused(String url, ServiceRecord service, String reason) {
    assertThatThrownBy(() -> guard.check(new URI(url), service))
        .as(url)
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void aPublicTargetOnTheBaseUrlIsResolvedOnceAndItsAddressReturned() {
    OutboundGuard.Target target =
        check("https://api.example.com/v1/orders?x=1", service("https://api.example.com"));
    assertThat(target.address()).isEqualTo(InetAddress.ofLiteral("93.184.216.34"));
    assertThat(target.host()).isEqualTo("api.example.com");
    assertThat(target.port()).isEqualTo(443);
    assertThat(target.authority()).isEqualTo("api.example.com");
    assertThat(lookups).containsExactly("api.example.com");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://api.example.com/x",
        "file:///etc/passwd",
        "gopher://api.example.com/",
        "jar:http://api.example.com/x!/y",
        "ws://api.example.com/"
      })
  void onlyHttpAndHttpsAreReplayed(String url) {
    assertRefused(url, service("https://api.example.com"), "only http and https");
  }

  @Test
  void theTargetMustMatchTheBaseUrlsSchemeHostAndPortOrAnAllowedPrefix() {
    ServiceRecord s = service("https://api.example.com", "https://api.example.com:8443/admin/");
    assertRefused("http://api.example.com/", s, "neither on the base URL");
    assertRefused("https://api.example.com:444/", s, "neither on the base URL");
    assertRefused("https://other.example.com/", s, "neither on the base URL");
    assertRefused("https://api.example.com:8443/other", s, "neither on the base URL");
    assertRefused("https://api.example.com:8443/administrator", s, "neither on the base URL");
    assertThat(check("https://api.example.com:8443/admin/users", s).port()).isEqualTo(8443);
    assertThat(check("https://API.example.com./v1", s).host()).isEqualTo("api.example.com.");
    assertRefused("https://api.example.com:8443/admin/../other", s, "'..' segments");
    assertRefused("https://api.example.com:8443/admin/%2e%2e/other", s, "'..' segments");
    assertRefused("https://user:pw@api.example.com/", s, "user information");
    assertRefused("https://api.example.com/", service(""), "neither on the base URL");
    assertThat(lookups).containsOnly("api.example.com.", "api.example.com");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://10.0.0.1/",
        "http://169.254.169.254/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://100.64.1.1/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[::127.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://172.20.0.1/",
        "http://192.168.0.1/"
      })
  void forbiddenLiteralAddressesAreRefusedEvenOnTheBaseUrl(String url) {
    assertRefused(url, service(url), "replay refused: ");
    assertThat(lookups).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
        "http://0x7f.0.0.1/", "http://127.0.1/", "http://017700000001/", "http://127.000.0.1/",
        "http://127.0.0.1./", "http://foo.0x7f/"
      })
  void ipv4InDecimalHexOctalOrShortNotationIsRefused(String url) {
    // Even when the service names the very same text as its base URL.
    assertRefused(url, service(url, "127.0.0.1"), "notation");
    assertThat(lookups).isEmpty();
  }

  @Test
  void namesResolvingToForbiddenAddressesAreRefused() {
    assertRefused(
        "http://metadata.example.com/latest/meta-data/",
        service("http://metadata.example.com"),
        "resolves to 169.254.169.254, a cloud metadata address");
    assertRefused(
        "http://internal.example.com/", service("http://internal.example.com"), "private");
    assertRefused("http://v6meta.example.com/", service("http://v6meta.example.com"), "metadata");
    assertRefused("http://mapped.example.com/", service("http://mapped.example.com"), "loopback");
  }

  @Test
  void everyResolvedAddressIsChecked() {
    assertRefused(
        "http://mixed.example.com/",
        service("http://mixed.example.com"),
        "resolves to 127.0.0.1, a loopback address");
  }

  @Test
  void aRealNameResolvingToLoopbackIsRefused() {
    TargetGuard system = new TargetGuard(new OutboundGuard(HostResolver.SYSTEM, List.of()));
    assertThatThrownBy(
            () ->
                system.check(
                    URI.create("http://localhost:8080/"), service("http://localhost:8080")))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("loopback");
  }

  @Test
  void anExactlyAllowedAddressPassesAndOnlyThatOne() {
    ServiceRecord lab = service("http://lab.example.com:8080", "10.0.0.7");
    assertThat(check("http://lab.example.com:8080/x", lab).address())
        .isEqualTo(InetAddress.ofLiteral("10.0.0.7"));
    assertRefused(
        "http://internal.example.com/",
        service("http://internal.example.com", "10.0.0.7"),
        "private");

    ServiceRecord loopback = service("http://127.0.0.1:9000", "127.0.0.1");
    assertThat(check("http://127.0.0.1:9000/", loopback).address())
        .isEqualTo(InetAddress.ofLiteral("127.0.0.1"));
    assertRefused(
        "http://127.0.0.2:9000/", service("http://127.0.0.2:9000", "127.0.0.1"), "loopback");
    assertRefused("http://127.0.0.1:9001/", loopback, "neither on the base URL");

    ServiceRecord metadata = service("http://169.254.169.254", "[169.254.169.254]");
    assertThat(check("http://169.254.169.254/latest", metadata).port()).isEqualTo(80);
  }

  @Test
  void unresolvableHostsAreRefused() {
    assertRefused(
        "http://nowhere.example.com/", service("http://nowhere.example.com"), "cannot be resolved");
  }
}
