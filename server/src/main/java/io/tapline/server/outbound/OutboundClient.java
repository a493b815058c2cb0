package io.tapline.server.outbound;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.proxy.ProxyConfig;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import java.time.Duration;

/**
 * HTTP clients for targets the {@link OutboundGuard} checked: each connects to the checked address
 * only (the name is never looked up again, and never through a proxy, which would resolve it
 * again), presenting the URL's host as the Host header and, for https, as the TLS server name,
 * whose certificate is verified. Redirects are not followed: a caller that follows one checks the
 * next hop first.
 */
public final class OutboundClient implements AutoCloseable {

  private final ClientFactory factory;

  public OutboundClient(Duration connectTimeout) {
    this.factory =
        ClientFactory.builder()
            .connectTimeout(connectTimeout)
            .proxyConfig(ProxyConfig.direct())
            .build();
  }

  /** A client of {@code target}'s checked address; the whole response is read, without limit. */
  public WebClient to(OutboundGuard.Target target, Duration responseTimeout) {
    Endpoint endpoint =
        Endpoint.of(target.host(), target.port()).withIpAddr(target.address().getHostAddress());
    return WebClient.builder(target.https() ? SessionProtocol.HTTPS : SessionProtocol.H1C, endpoint)
        .factory(factory)
        .responseTimeout(responseTimeout)
        .maxResponseLength(0)
        .build();
  }

  /** Headers of a request to {@code target}: its path and query, and its host as authority. */
  public static RequestHeadersBuilder headers(HttpMethod method, OutboundGuard.Target target) {
    return RequestHeaders.builder(method, target.pathAndQuery()).authority(target.authority());
  }

  @Override
  public void close() {
    factory.close();
  }
}
