package io.tapline.server.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Resolves a host name to its addresses, once per outbound hop; the request then goes to an address
 * that was checked, never to the name. Injectable so tests can map names to any address.
 */
@FunctionalInterface
public interface HostResolver {

  /** The system resolver. */
  HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  List<InetAddress> resolve(String host) throws UnknownHostException;
}
