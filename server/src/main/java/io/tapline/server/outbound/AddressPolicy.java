package io.tapline.server.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which addresses an outbound request (a replay, a webhook) must not reach unless its host is
 * allowed by name ({@code outbound.allowed-hosts}, a service's replay allow-list): anything that is
 * not a public unicast address. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64,
 * 6to4) are judged by that IPv4 address.
 */
public final class AddressPolicy {

  private AddressPolicy() {}

  /** Why {@code address} is forbidden, or empty when it is a public unicast address. */
  public static Optional<String> forbiddenReason(InetAddress address) {
    return switch (address) {
      case Inet4Address v4 -> ipv4(v4.getAddress());
      case Inet6Address v6 -> ipv6(v6.getAddress());
      default -> Optional.of("an address of an unknown family");
    };
  }

  private static Optional<String> ipv4(byte[] b) {
    int a0 = b[0] & 0xFF;
    int a1 = b[1] & 0xFF;
    int a2 = b[2] & 0xFF;
    int a3 = b[3] & 0xFF;
    if (a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254
        || a0 == 169 && a1 == 254 && a2 == 170 && a3 == 2
        || a0 == 100 && a1 == 100 && a2 == 100 && a3 == 200
        || a0 == 192 && a1 == 0 && a2 == 0 && a3 == 192) {
      return Optional.of("a cloud metadata address");
    }
    if (a0 == 0) {
      return Optional.of("an unspecified (0.0.0.0/8) address");
    }
    if (a0 == 127) {
      return Optional.of("a loopback address");
    }
    if (a0 == 10 || a0 == 172 && (a1 & 0xF0) == 16 || a0 == 192 && a1 == 168) {
      return Optional.of("a private (RFC 1918) address");
    }
    if (a0 == 169 && a1 == 254) {
      return Optional.of("a link-local address");
    }
    if (a0 == 100 && (a1 & 0xC0) == 64) {
      return Optional.of("a shared (CGNAT, 100.64.0.0/10) address");
    }
    if (a0 == 192 && a1 == 0 && a2 == 0) {
      return Optional.of("an IETF protocol assignment (192.0.0.0/24) address");
    }
    if (a0 == 198 && (a1 & 0xFE) == 18) {
      return Optional.of("a benchmarking (198.18.0.0/15) address");
    }
    if (a0 >= 224 && a0 <= 239) {
      return Optional.of("a multicast address");
    }
    if (a0 >= 240) {
      return Optional.of("a reserved or broadcast address");
    }
    return Optional.empty();
  }

  private static Optional<String> ipv6(byte[] b) {
    if (isZero(b, 0, 16)) {
      return Optional.of("the unspecified address");
    }
    if (isZero(b, 0, 15) && b[15] == 1) {
      return Optional.of("a loopback address");
    }
    // fd00:ec2::254 (AWS) lies in fc00::/7 too; named for a clearer message.
    if (b[0] == (byte) 0xfd
        && b[1] == 0
        && b[2] == 0x0e
        && b[3] == (byte) 0xc2
        && isZero(b, 4, 14)
        && b[14] == 0x02
        && b[15] == 0x54) {
      return Optional.of("a cloud metadata address");
    }
    if (isZero(b, 0, 10) && b[10] == (byte) 0xFF && b[11] == (byte) 0xFF) {
      return embedded(b, 12, "an IPv4-mapped IPv6 address of ");
    }
    if (isZero(b, 0, 12)) {
      return embedded(b, 12, "an IPv4-compatible IPv6 address of ");
    }
    if (b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b) {
      if (isZero(b, 4, 12)) {
        return embedded(b, 12, "a NAT64 address of ");
      }
      return Optional.of("a local-use NAT64 address");
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
      return embedded(b, 2, "a 6to4 address of ");
    }
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
      return Optional.of("a Teredo address");
    }
    if (b[0] == 0x01 && b[1] == 0 && isZero(b, 2, 8)) {
      return Optional.of("a discard-only (100::/64) address");
    }
    if ((b[0] & 0xFE) == 0xFC) {
      return Optional.of("a unique-local (fc00::/7) address");
    }
    if (b[0] == (byte) 0xFE && (b[1] & 0xC0) == 0x80) {
      return Optional.of("a link-local address");
    }
    if (b[0] == (byte) 0xFE && (b[1] & 0xC0) == 0xC0) {
      return Optional.of("a site-local address");
    }
    if (b[0] == (byte) 0xFF) {
      return Optional.of("a multicast address");
    }
    return Optional.empty();
  }

  private static Optional<String> embedded(byte[] b, int offset, String prefix) {
    byte[] v4 = new byte[] {b[offset], b[offset + 1], b[offset + 2], b[offset + 3]};
    try {
      InetAddress inner = InetAddress.getByAddress(v4);
      return ipv4(v4).map(reason -> prefix + inner.getHostAddress() + ", " + reason);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
