package io.tapline.server.outbound;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The one guard of every request Tapline sends (replays, webhooks): decides whether a URL may be
 * reached and where exactly. http or https only; no user information, no {@code .} or {@code ..}
 * path segments, no percent-encoded hosts or zone ids, IPv4 only as four decimal numbers; the host
 * is resolved once and every address checked against {@link AddressPolicy} (private, loopback,
 * link-local, metadata and other non-public addresses are refused) unless an allow-list names it.
 * The caller connects to the returned address, never to the name again.
 *
 * <p>Two allow-lists: the operator's ({@code outbound.allowed-hosts}: host names, whose every
 * address passes, and exact addresses), which applies to every request; and the caller's own (a
 * service's replay allow-list), passed to {@link #resolve}.
 */
public final class OutboundGuard {

  /** Where a request goes: the checked address to connect to, and the name to present. */
  public record Target(URI uri, boolean https, String host, int port, InetAddress address) {

    /** Host and port as in a Host header (the port only when not the scheme's default). */
    public String authority() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      return port == (https ? 443 : 80) ? h : h + ":" + port;
    }

    /** The path and query to request, {@code /} for an empty path. */
    public String pathAndQuery() {
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }
  }

  /** A URL taken apart; {@code literal} is set when the host is an IP address. */
  public record Destination(
      URI uri, boolean https, String host, int port, String path, InetAddress literal) {

    /** Same scheme, port and host (a trailing dot ignored), or the same address. */
    public boolean sameOrigin(Destination other) {
      if (https != other.https || port != other.port) {
        return false;
      }
      if (literal != null || other.literal != null) {
        return literal != null && literal.equals(other.literal);
      }
      return withoutFinalDot(host).equals(withoutFinalDot(other.host));
    }
  }

  /** A host name without its final dot ({@code a.test.} and {@code a.test} are one host). */
  private static String withoutFinalDot(String host) {
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }

  private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");
  private static final Pattern CANONICAL_OCTET = Pattern.compile("0|[1-9][0-9]{0,2}");
  private static final Pattern HOST_LABEL =
      Pattern.compile("[a-z0-9_]|[a-z0-9_][a-z0-9_-]{0,61}[a-z0-9_]");
  private static final Pattern DOT_SEGMENT =
      Pattern.compile("(^|/)(\\.|%2e){1,2}(/|$)", Pattern.CASE_INSENSITIVE);

  private final HostResolver resolver;
  private final Set<String> allowedNames = new HashSet<>();
  private final Set<InetAddress> allowedAddresses = new HashSet<>();

  /**
   * @param allowedHosts the operator's allow-list: host names and IP addresses that may be reached
   *     even when they are not public
   */
  public OutboundGuard(HostResolver resolver, List<String> allowedHosts) {
    this.resolver = resolver;
    for (String entry : allowedHosts) {
      String e = entry.strip().toLowerCase(Locale.ROOT);
      Optional<InetAddress> ip = ipLiteral(e);
      if (ip.isPresent()) {
        allowedAddresses.add(ip.get());
      } else if (!e.isEmpty()) {
        allowedNames.add(withoutFinalDot(e));
      }
    }
  }

  /** Parses, resolves and checks {@code url} against the operator's allow-list alone. */
  public Target check(URI url) {
    return resolve(parse(url), address -> false);
  }

  /**
   * Resolves the destination's host once and checks every address.
   *
   * @param exempt addresses the caller's own allow-list lets through
   * @throws OutboundRefusedException when the host cannot be resolved or an address is refused
   */
  public Target resolve(Destination d, Predicate<InetAddress> exempt) {
    List<InetAddress> addresses;
    if (d.literal() != null) {
      addresses = List.of(d.literal());
    } else {
      try {
        addresses = resolver.resolve(d.host());
      } catch (UnknownHostException e) {
        throw new OutboundRefusedException("the host " + d.host() + " cannot be resolved");
      }
      if (addresses.isEmpty()) {
        throw new OutboundRefusedException("the host " + d.host() + " has no address");
      }
    }
    boolean nameAllowed = d.literal() == null && allowedNames.contains(withoutFinalDot(d.host()));
    for (InetAddress address : addresses) {
      Optional<String> reason = AddressPolicy.forbiddenReason(address);
      if (reason.isPresent()
          && !nameAllowed
          && !allowedAddresses.contains(address)
          && !exempt.test(address)) {
        String what =
            d.literal() != null
                ? d.host() + " is " + reason.get()
                : d.host() + " resolves to " + address.getHostAddress() + ", " + reason.get();
        throw new OutboundRefusedException(
            what + "; such addresses are reached only when an allow-list names them");
      }
    }
    return new Target(d.uri(), d.https(), d.host(), d.port(), addresses.getFirst());
  }

  /**
   * A URL taken apart, or refused: only http and https, a host, no user information, a valid port,
   * no dot segments, no percent-encoded host, IPv4 written as four decimal numbers.
   */
  public static Destination parse(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new OutboundRefusedException("only http and https URLs are allowed; got '" + url + "'");
    }
    boolean https = scheme.equals("https");
    String authority = url.getRawAuthority();
    if (authority == null || authority.isEmpty()) {
      throw new OutboundRefusedException("the URL " + url + " has no host");
    }
    if (authority.contains("@")) {
      throw new OutboundRefusedException("URLs with user information are not allowed");
    }
    String host;
    String portText;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw new OutboundRefusedException("the URL " + url + " has a malformed IPv6 address");
      }
      host = authority.substring(1, close);
      String rest = authority.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        throw new OutboundRefusedException("the URL " + url + " has a malformed authority");
      }
      portText = rest.isEmpty() ? "" : rest.substring(1);
    } else {
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      portText = colon < 0 ? "" : authority.substring(colon + 1);
    }
    int port = https ? 443 : 80;
    if (!portText.isEmpty()) {
      port =
          portText.length() <= 5 && portText.chars().allMatch(c -> c >= '0' && c <= '9')
              ? Integer.parseInt(portText)
              : 0;
      if (port < 1 || port > 65535) {
        throw new OutboundRefusedException("the URL " + url + " has an invalid port");
      }
    }
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    if (DOT_SEGMENT.matcher(path).find()) {
      throw new OutboundRefusedException("URL paths with '.' or '..' segments are not allowed");
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.contains("%")) {
      throw new OutboundRefusedException("percent-encoded hosts and IPv6 zone ids are not allowed");
    }
    if (authority.startsWith("[")) {
      InetAddress v6;
      try {
        v6 = InetAddress.ofLiteral(host);
      } catch (IllegalArgumentException e) {
        throw new OutboundRefusedException("the URL " + url + " has a malformed IPv6 address");
      }
      return new Destination(url, https, host, port, path, v6);
    }
    String[] labels = withoutFinalDot(host).split("\\.", -1);
    String last = labels[labels.length - 1];
    if (NUMERIC_LABEL.matcher(last).matches()) {
      if (!isCanonicalIpv4(host)) {
        throw new OutboundRefusedException(
            "the host "
                + host
                + " is an IPv4 address in decimal, octal, hexadecimal or short"
                + " notation, which is not accepted; write it as four decimal numbers (a.b.c.d)");
      }
      return new Destination(url, https, host, port, path, InetAddress.ofLiteral(host));
    }
    if (!isHostName(host)) {
      throw new OutboundRefusedException("the host '" + host + "' is not a valid host name");
    }
    return new Destination(url, https, host, port, path, null);
  }

  /** Labels of letters, digits, '_' and inner '-', up to 63 characters; an optional final dot. */
  private static boolean isHostName(String host) {
    String h = withoutFinalDot(host);
    if (h.isEmpty() || h.length() > 253) {
      return false;
    }
    for (String label : h.split("\\.", -1)) {
      if (!HOST_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /** An IP address written plainly (brackets optional for IPv6), else empty. */
  public static Optional<InetAddress> ipLiteral(String text) {
    String t =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
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
