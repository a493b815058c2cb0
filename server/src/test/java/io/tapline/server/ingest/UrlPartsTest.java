package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** UrlParts must accept, refuse and split every url exactly as java.net.URI does. */
class UrlPartsTest {

  private static final List<String> EDGE_CASES =
      List.of(
          // the common form, read directly
          "https://api.example.com/v1/users/123/orders/9f1c?page=2&limit=50",
          "http://h",
          "http://h:8080",
          "HTTP://H.test/",
          "svn+ssh://h.test/r",
          "http://h/p;x=1/q",
          "http://h/a%20b/%C3%A9?q=caf%C3%A9",
          "http://h/p?a=1?b=2",
          "http://h/p?#",
          "http://h?q",
          "http://h#f",
          "http://h/p?q=1#f/?;:",
          "http://h:/x",
          "http://h:abc/",
          "http://1.2.3.999/",
          "http://h:99999999999/x",
          "http://-h-/",
          "http://a:b:c/",
          "http://h/p?a=1&&b=",
          // missing scheme: URI reads these as relative references
          "api.example.com/x?y=1",
          "/v1/x?y=2",
          "//host/x",
          "?q=1",
          "#f",
          "x:",
          ":x",
          "1http://h",
          // spaces, control and non-ASCII characters
          "http://a b",
          "http://a.test/a b",
          "http://a.test/?q=a b",
          "http://a.test/#a b",
          " http://h/",
          "http://h/\t",
          "http://h/é",
          "http://h/?q=é",
          "http://h/\u00a0",
          "ht tp://h/",
          // IPv6 hosts
          "http://[::1]:8080/x",
          "http://[::1/x",
          "http://[fe80::1%25eth0]/",
          "http://[::1]x/",
          "http://[v1.x]/",
          "http://[::ffff:192.0.2.1]/",
          // percent-encoding
          "http://h/a%2",
          "http://h/a%zz",
          "http://h/?q=%",
          "http://h/?q=%4",
          "http://h/#%",
          "http://h%41/",
          "http://h/%",
          // user info, brackets, other shapes
          "http://u:p@h/",
          "http://@h/",
          "http://h/?a[]=1",
          "http://h/#a[1]",
          "http://h/p#f#g",
          "http:///x",
          "file:///x",
          "http://",
          "http:/x",
          "mailto:a@b.test",
          "urn:isbn:1",
          "http://h/p|q",
          "http://h/{id}",
          "http://h/p\"",
          "http://h/p^",
          "http://h/p`");

  @Test
  void agreesWithUriOnEdgeCases() {
    for (String url : EDGE_CASES) {
      assertAgrees(url);
    }
  }

  @Test
  void readsTheCommonFormWithoutUri() {
    assertThat(UrlParts.plain("https://api.example.com/v1/users/123/orders/9f1c?page=2&limit=50"))
        .isEqualTo(new UrlParts.Parts("/v1/users/123/orders/9f1c", "page=2&limit=50"));
    assertThat(UrlParts.plain("http://h:8080")).isEqualTo(new UrlParts.Parts("", null));
    assertThat(UrlParts.plain("http://h/a%20b?#f")).isEqualTo(new UrlParts.Parts("/a%20b", ""));
    assertThat(UrlParts.plain("http://[::1]/")).isNull(); // left to URI
    assertThat(UrlParts.plain("http://h/a b")).isNull();
    assertThat(UrlParts.plain("http://h/a%2")).isNull();
    assertThatThrownBy(() -> UrlParts.of("http://h/a%2"))
        .isInstanceOf(URISyntaxException.class)
        .hasMessageContaining("Malformed escape pair");
  }

  @Test
  void agreesWithUriOnRandomUrls() {
    String[] starts = {
      "http://", "https://h.test", "https://h.test/", "http://h:80/a?", "", "h", "x:"
    };
    String alphabet = "abcXYZ019-._~:/?#[]@!$&'()*+,;=% %2fé\"<>\\^`{|}\u0000\t";
    Random random = new Random(5);
    int plain = 0;
    for (int i = 0; i < 200_000; i++) {
      StringBuilder url = new StringBuilder(starts[random.nextInt(starts.length)]);
      int length = random.nextInt(12);
      for (int k = 0; k < length; k++) {
        url.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      plain += assertAgrees(url.toString()) ? 1 : 0;
    }
    assertThat(plain).isGreaterThan(10_000);
  }

  /** Returns whether the url was read directly. */
  private static boolean assertAgrees(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException expected) {
      assertThat(UrlParts.plain(url)).as(url).isNull();
      assertThatThrownBy(() -> UrlParts.of(url))
          .as(url)
          .isInstanceOf(URISyntaxException.class)
          .hasMessage(expected.getMessage());
      return false;
    }
    UrlParts.Parts parts;
    try {
      parts = UrlParts.of(url);
    } catch (URISyntaxException e) {
      throw new AssertionError(url + " refused, URI accepts it", e);
    }
    assertThat(parts).as(url).isEqualTo(new UrlParts.Parts(uri.getRawPath(), uri.getRawQuery()));
    return UrlParts.plain(url) != null;
  }
}
