package io.tapline.server.replay;

import io.tapline.server.api.FailedPreconditionException;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.outbound.OutboundGuard.Destination;
import io.tapline.server.outbound.OutboundGuard.Target;
import io.tapline.server.outbound.OutboundRefusedException;
import io.tapline.server.storage.ServiceRecord;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a replay may reach a URL: the URL must match the service's base URL (scheme, host
 * and port) or a URL prefix of its replay allow-list, and then pass the {@link OutboundGuard}
 * (resolved once, every address checked), an address that is not public being let through only when
 * the service's allow-list names it exactly. The caller connects to the returned address, never to
 * the name again.
 */
final class TargetGuard {

  private final OutboundGuard guard;

  TargetGuard(OutboundGuard guard) {
    this.guard = guard;
  }

  /** The checked target for {@code url}; throws {@link FailedPreconditionException} if refused. */
  Target check(URI url, ServiceRecord service) {
    try {
      Destination target = OutboundGuard.parse(url);
      Rules rules = Rules.of(service);
      if (!rules.matches(target)) {
        throw refused(
            url
                + " is neither on the base URL ("
                + blankAsNone(service.baseUrl())
                + ") nor a URL prefix of the replay allow-list of service '"
                + service.name()
                + "'");
      }
      return guard.resolve(target, rules.exempt()::contains);
    } catch (OutboundRefusedException e) {
      throw refused(e.getMessage());
    }
  }

  private static String blankAsNone(String s) {
    return s.isBlank() ? "none" : s;
  }

  static FailedPreconditionException refused(String why) {
    return new FailedPreconditionException("replay refused: " + why);
  }

  /** A service's replay rules: origins and path prefixes allowed, and exactly allowed addresses. */
  private record Rules(
      List<Destination> origins, List<Destination> prefixes, Set<InetAddress> exempt) {

    static Rules of(ServiceRecord service) {
      List<Destination> origins = new ArrayList<>();
      List<Destination> prefixes = new ArrayList<>();
      Set<InetAddress> exempt = new HashSet<>();
      if (!service.baseUrl().isBlank()) {
        quietly(service.baseUrl()).ifPresent(origins::add);
      }
      for (String entry : service.replayAllowList()) {
        String e = entry.strip();
        Optional<InetAddress> ip = OutboundGuard.ipLiteral(e);
        if (ip.isPresent()) {
          exempt.add(ip.get());
        } else {
          quietly(e).ifPresent(prefixes::add);
        }
      }
      return new Rules(origins, prefixes, exempt);
    }

    boolean matches(Destination target) {
      for (Destination origin : origins) {
        if (origin.sameOrigin(target)) {
          return true;
        }
      }
      for (Destination prefix : prefixes) {
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

    private static Optional<Destination> quietly(String url) {
      try {
        return Optional.of(OutboundGuard.parse(new URI(url)));
      } catch (URISyntaxException | OutboundRefusedException e) {
        return Optional.empty();
      }
    }
  }
}
