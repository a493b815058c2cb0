package io.tapline.server.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tapline.masking.Masker;
import io.tapline.server.api.FailedPreconditionException;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.storage.ServiceRecord;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replays against a real HTTP server on loopback (allowed for the test by its exact address), with
 * a resolver that maps test names to chosen addresses.
 */
class ReplayerIT {

  static TargetServer target;
  static ServiceRecord service;
  static final List<String> lookups = new CopyOnWriteArrayList<>();
  static Replayer replayer;

  static final Map<String, String> DNS =
      Map.of(
          "api.test", "127.0.0.1",
          "internal.test", "10.0.0.5",
          "meta.test", "169.254.169.254",
          "loop.test", "127.0.0.2");

  @BeforeAll
  static void start() {
    target = new TargetServer();
    int port = target.port();
    service =
        new ServiceRecord(
            "svc",
            "",
            "http://127.0.0.1:" + port,
            List.of(
                "127.0.0.1",
                "http://api.test:" + port + "/",
                "http://internal.test:" + port + "/",
                "http://meta.test:" + port + "/",
                "http://loop.test:" + port + "/",
                "https://api.test:" + target.httpsPort() + "/"),
            0,
            List.of(),
            ServiceRecord.Otlp.NONE,
            List.of(),
            Instant.EPOCH);
    TargetGuard guard =
        new TargetGuard(
            new OutboundGuard(
                host -> {
                  lookups.add(host);
                  String address = DNS.get(host);
                  if (address == null) {
                    throw new UnknownHostException(host);
                  }
                  return List.of(InetAddress.ofLiteral(address));
                },
                List.of()));
    replayer = new Replayer(guard, Duration.ofSeconds(2), 1024, 3, Masker.defaults());
  }

  @AfterAll
  static void stop() {
    replayer.close();
    target.close();
  }

  private static PreparedRequest request(
      String method, String url, String body, String... headers) {
    List<Map.Entry<String, String>> list = new java.util.ArrayList<>();
    for (int i = 0; i < headers.length; i += 2) {
      list.add(Map.entry(headers[i], headers[i + 1]));
    }
    return new PreparedRequest(
        method,
        URI.create(url),
        list,
        body,
        url,
        Map.of(),
        List.of(),
        List.of(),
        java.util.Set.of());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> echoedHeaders(Replayer.Outcome outcome) {
    return (Map<String, String>) TargetServer.read(outcome.body()).get("headers");
  }

  @Test
  void connectsToTheCheckedAddressPresentingTheOriginalHostWithoutASecondLookup() {
    lookups.clear();
    String url = "http://api.test:" + target.port() + "/echo?a=1";
    Replayer.Outcome outcome =
        replayer.send(
            request("POST", url, "{\"x\":1}", "Content-Type", "application/json", "X-Trace", "t1"),
            service,
            false);
    assertThat(outcome.statusCode()).isEqualTo(200);
    assertThat(outcome.error()).isEmpty();
    Map<String, Object> echo = TargetServer.read(outcome.body());
    assertThat(echo)
        .containsEntry("method", "POST")
        .containsEntry("body", "{\"x\":1}")
        .containsEntry("query", "a=1");
    assertThat(echoedHeaders(outcome))
        .containsEntry("host", "api.test:" + target.port())
        .containsEntry("x-trace", "t1")
        .containsEntry("content-type", "application/json");
    // api.test exists only in the test resolver: the request reached it by address alone.
    assertThat(lookups).containsExactly("api.test");
    assertThat(outcome.latencyMicros()).isPositive();
  }

  @Test
  void redirectsAreNotFollowedUnlessAsked() {
    int before = target.requests.get();
    Replayer.Outcome outcome =
        replayer.send(request("GET", target.url("/redirect?to=/echo"), ""), service, false);
    assertThat(outcome.statusCode()).isEqualTo(302);
    assertThat(outcome.headers()).containsEntry("location", "/echo");
    assertThat(outcome.redirects()).isEmpty();
    assertThat(target.requests.get() - before).isEqualTo(1);

    Replayer.Outcome followed =
        replayer.send(request("GET", target.url("/redirect?to=/echo"), ""), service, true);
    assertThat(followed.statusCode()).isEqualTo(200);
    assertThat(followed.redirects()).containsExactly(target.url("/echo"));
  }

  @Test
  void eachRedirectHopIsCheckedAgain() {
    int port = target.port();
    for (var refused :
        Map.of(
                "http://internal.test:" + port + "/echo",
                "resolves to 10.0.0.5, a private",
                "http://meta.test:" + port + "/latest/meta-data",
                "169.254.169.254, a cloud metadata",
                "http://loop.test:" + port + "/echo",
                "127.0.0.2, a loopback",
                "http://169.254.169.254/latest/meta-data",
                "neither on the base URL",
                "http://localhost:" + port + "/echo",
                "neither on the base URL",
                "http://2130706433:" + port + "/echo",
                "notation",
                "file:///etc/passwd",
                "only http and https")
            .entrySet()) {
      int before = target.requests.get();
      Replayer.Outcome outcome =
          replayer.send(
              request(
                  "GET",
                  target.url(
                      "/redirect?to="
                          + java.net.URLEncoder.encode(
                              refused.getKey(), java.nio.charset.StandardCharsets.UTF_8)),
                  ""),
              service,
              true);
      assertThat(outcome.statusCode()).as(refused.getKey()).isEqualTo(302);
      assertThat(outcome.error())
          .as(refused.getKey())
          .startsWith("redirect to ")
          .contains("not followed")
          .contains(refused.getValue());
      assertThat(outcome.redirects()).isEmpty();
      assertThat(target.requests.get() - before).as(refused.getKey()).isEqualTo(1);
    }
  }

  @Test
  void credentialsAreNotCarriedToAnotherOrigin() {
    String to = "http://api.test:" + target.port() + "/echo";
    Replayer.Outcome outcome =
        replayer.send(
            request(
                "GET",
                target.url("/redirect?to=" + to),
                "",
                "Authorization",
                "Bearer s",
                "X-A",
                "1"),
            service,
            true);
    assertThat(outcome.statusCode()).isEqualTo(200);
    assertThat(echoedHeaders(outcome)).containsEntry("x-a", "1").doesNotContainKey("authorization");
  }

  @Test
  void redirectsStopAtTheLimit() {
    Replayer.Outcome outcome =
        replayer.send(request("GET", target.url("/hops/10"), ""), service, true);
    assertThat(outcome.statusCode()).isEqualTo(307);
    assertThat(outcome.redirects()).hasSize(3);
    assertThat(outcome.error()).contains("stopped after 3 redirects");

    Replayer.Outcome within =
        replayer.send(request("GET", target.url("/hops/2"), ""), service, true);
    assertThat(within.statusCode()).isEqualTo(200);
    assertThat(within.body()).isEqualTo("done");
  }

  @Test
  void aSlowTargetTimesOut() {
    Replayer.Outcome outcome =
        replayer.send(request("GET", target.url("/slow"), ""), service, false);
    assertThat(outcome.statusCode()).isZero();
    assertThat(outcome.error()).contains("timed out");
  }

  @Test
  void theBodyIsCutAtTheCap() {
    Replayer.Outcome outcome =
        replayer.send(request("GET", target.url("/big"), ""), service, false);
    assertThat(outcome.statusCode()).isEqualTo(200);
    assertThat(outcome.truncated()).isTrue();
    assertThat(outcome.body()).hasSize(1024);
    assertThat(outcome.bodySize()).isGreaterThan(1024);
  }

  @Test
  void aRefusedFirstTargetSendsNothing() {
    int before = target.requests.get();
    assertThatThrownBy(
            () ->
                replayer.send(
                    request("GET", "http://internal.test:" + target.port() + "/echo", ""),
                    service,
                    false))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("private");
    assertThatThrownBy(
            () ->
                replayer.send(
                    request("GET", "http://[::ffff:127.0.0.1]:" + target.port() + "/echo", ""),
                    new ServiceRecord(
                        "s",
                        "",
                        "http://[::ffff:127.0.0.1]:" + target.port(),
                        List.of(),
                        0,
                        List.of(),
                        ServiceRecord.Otlp.NONE,
                        List.of(),
                        Instant.EPOCH),
                    false))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("loopback");
    assertThat(target.requests.get()).isEqualTo(before);
  }

  @Test
  void httpsCertificatesAreVerified() {
    int before = target.requests.get();
    Replayer.Outcome outcome =
        replayer.send(
            request("GET", "https://api.test:" + target.httpsPort() + "/echo", ""), service, false);
    assertThat(outcome.statusCode()).isZero();
    assertThat(outcome.error()).contains("SSLHandshakeException");
    assertThat(target.requests.get()).isEqualTo(before);
  }
}
