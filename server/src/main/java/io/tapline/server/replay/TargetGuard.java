package io.tapline.server.replay;

import io.tapline.server.FailedPreconditionException;
import io.tapline.server.storage.ServiceRecord;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether a replay may reach a URL, and where exactly: http or https only; the URL must
 * match the service's base URL (scheme, host and port) or a URL prefix of its replay allow-list;
 * the host is resolved once and every address checked against {@link AddressPolicy}, an address
 * being let through only when the allow-list names it exactly. The caller connects to the
 * returned address, never to the name again.
 */
final class TargetGuard {

  /** Where a replay hop goes: the checked address to connect to, and the name to present. */
  record Target(URI uri, boolean https, String host, int port, InetAddress address) {

    /** Host and port as in a Host header (the port only when not the scheme's default). */
    String authority() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      return port == (https ? 443 : 80) ? h : h + ":" + port;
    }
  }

  private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");
  private static final Pattern CANONICAL_OCTET = Pattern.compile("0|[1-9][0-9]{0,2}");
  private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
      + "(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?");
  private static final Pattern DOT_SEGMENT =
      Pattern.compile("(^|/)(\\.|%2e){1,2}(/|$)", Pattern.CASE_INSENSITIVE);

  private final HostResolver resolver;

  TargetGuard(HostResolver resolver) {
    this.resolver = resolver;
  }

  /** The checked target for {@code url}; throws {@link FailedPreconditionException} if refused. */
  Target check(URI url, ServiceRecord service) {
    Parsed target = parse(url).orElseThrow();
    Rules rules = Rules.of(service);
    if (!rules.matches(target)) {
      throw refused(
          url + " is neither on the base URL (" + blankAsNone(service.baseUrl())
              + ") nor a URL prefix of the replay allow-list of service '" + service.name() + "'");
    }
    List<InetAddress> addresses;
    if (target.literal() != null) {
      addresses = List.of(target.literal());
    } else {
      try {
        addresses = resolver.resolve(target.host());
      } catch (UnknownHostException e) {
        throw refused("the host " + target.host() + " cannot be resolved");
      }
      if (addresses.isEmpty()) {
        throw refused("the host " + target.host() + " has no address");
      }
    }
    for (InetAddress address : addresses) {
      Optional<String> reason = AddressPolicy.forbiddenReason(address);
      if (reason.isPresent() && !rules.exempt().contains(address)) {
        String what =
            target.literal() != null
                ? target.host() + " is " + reason.get()
                : target.host() + " resolves to " + address.getHostAddress() + ", " + reason.get();
        throw refused(
            what + "; such addresses are reached only when the service's replay allow-list"
                + " names that exact address");
      }
    }
    return new Target(url, target.https(), target.host(), target.port(), addresses.getFirst());
  }

  private static String blankAsNone(String s) {
    return s.isBlank() ? "none" : s;
  }

  static FailedPreconditionException refused(String why) {
    return new FailedPreconditionException("replay refused: " + why);
  }

  /** A URL taken apart; {@code literal} is set when the host is an IP address. */
  private record Parsed(boolean https, String host, int port, String path, InetAddress literal) {

    boolean sameOrigin(Parsed other) {
      if (https != other.https || port != other.port) {
        return false;
      }
      if (literal != null || other.literal != null) {
        return literal != null && literal.equals(other.literal);
      }
      return stripDot(host).equals(stripDot(other.host));
    }

    private static String stripDot(String h) {
      return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
  }

  /** A service's replay rules: origins and path prefixes allowed, and exactly allowed addresses. */
  private record Rules(List<Parsed> origins, List<Parsed> prefixes, Set<InetAddress> exempt) {

    static Rules of(ServiceRecord service) {
      List<Parsed> origins = new ArrayList<>();
      List<Parsed> prefixes = new ArrayList<>();
      Set<InetAddress> exempt = new HashSet<>();
      if (!service.baseUrl().isBlank()) {
        quietly(service.baseUrl()).ifPresent(origins::add);
      }
      for (String entry : service.replayAllowList()) {
        String e = entry.strip();
        Optional<InetAddress> ip = ipLiteral(e);
        if (ip.isPresent()) {
          exempt.add(ip.get());
        } else {
          quietly(e).ifPresent(prefixes::add);
        }
      }
      return new Rules(origins, prefixes, exempt);
    }

    boolean matches(Parsed target) {
      for (Parsed origin : origins) {
        if (origin.sameOrigin(target)) {
          return true;
        }
      }
      for (Parsed prefix : prefixes) {
        if (prefix.sameOrigin(target) && underPath(prefix.path(), target.path())) {
          return true;
        }
      }
      return false;
    }

    private static boolean underPath(String prefix, String path) {
      if (prefix.isEmpty() || prefix.equals("/")) {
        return true;
      }
      String p = path.isEmpty() ? "/" : path;
      return p.equals(prefix) || p.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
    }

    private static Optional<Parsed> quietly(String url) {
      try {
        return parse(new URI(url));
      } catch (URISyntaxException | FailedPreconditionException e) {
        return Optional.empty();
      }
    }
  }

  /** An IP address written plainly (brackets optional for IPv6), else empty. */
  static Optional<InetAddress> ipLiteral(String text) {
    String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (t.isEmpty() || !(t.contains(":") || t.matches("[0-9.]+"))) {
      return Optional.empty();
    }
    if (!t.contains(":") && !isCanonicalIpv4(t)) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.ofLiteral(t));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Optional<Parsed> parse(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw refused("only http and https URLs are replayed; got '" + url + "'");
    }
    boolean https = scheme.equals("https");
    String authority = url.getRawAuthority();
    if (authority == null || authority.isEmpty()) {
      throw refused("the URL " + url + " has no host");
    }
    if (authority.contains("@")) {
      throw refused("URLs with user information are not replayed");
    }
    String host;
    String portText;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw refused("the URL " + url + " has a malformed IPv6 address");
      }
      host = authority.substring(1, close);
      String rest = authority.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        throw refused("the URL " + url + " has a malformed authority");
      }
      portText = rest.isEmpty() ? "" : rest.substring(1);
    } else {
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      portText = colon < 0 ? "" : authority.substring(colon + 1);
    }
    int port = https ? 443 : 80;
    if (!portText.isEmpty()) {
      if (!portText.matches("[0-9]{1,5}") || Integer.parseInt(portText) < 1
          || Integer.parseInt(portText) > 65535) {
        throw refused("the URL " + url + " has an invalid port");
      }
      port = Integer.parseInt(portText);
    }
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    if (DOT_SEGMENT.matcher(path).find()) {
      throw refused("URL paths with '.' or '..' segments are not replayed");
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.contains("%")) {
      throw refused("percent-encoded hosts and IPv6 zone ids are not replayed");
    }
    if (authority.startsWith("[")) {
      InetAddress v6;
      try {
        v6 = InetAddress.ofLiteral(host);
      } catch (IllegalArgumentException e) {
        throw refused("the URL " + url + " has a malformed IPv6 address");
      }
      return Optional.of(new Parsed(https, host, port, path, v6));
    }
    String[] labels = host.split("\\.");
    if (labels.length > 0 && NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
      if (!isCanonicalIpv4(host)) {
        throw refused(
            "the host " + host + " is an IPv4 address in decimal, octal, hexadecimal or short"
                + " notation, which is not accepted; write it as four decimal numbers (a.b.c.d)");
      }
      return Optional.of(new Parsed(https, host, port, path, InetAddress.ofLiteral(host)));
    }
    if (!HOST_NAME.matcher(host).matches()) {
      throw refused("the host '" + host + "' is not a valid host name");
    }
    return Optional.of(new Parsed(https, host, port, path, null));
  }

  private static boolean isCanonicalIpv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (!CANONICAL_OCTET.matcher(part).matches() || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }
}
