package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.UpstreamTls;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a proxy connects next.
 *
 * @param host      the name to connect to (an external host, or the egress gateway's service name)
 * @param addresses addresses the operator gave explicitly (ServiceEntry endpoints, or the requested address when
 *                  the entry's {@code addresses} declare it; never an address only the client wrote); trusted, not
 *                  re-checked.
 *                  Empty: resolve {@code host} (the proxy's --resolve/--connect-to maps, then DNS, which the
 *                  address guards check)
 * @param originalDestination for a captured connection whose cluster Istio would make ORIGINAL_DST (the
 *                  PassthroughCluster under ALLOW_ANY, a ServiceEntry with {@code resolution: NONE}): the address the
 *                  application connected to, which Envoy connects to instead of resolving {@code host} again.
 *                  Never trusted: the application chose it, so the proxy's address guard judges it like a DNS
 *                  answer. When present, {@code addresses} is empty and {@code port} is the original port.
 */
public record Upstream(String host, int port, List<String> addresses, UpstreamTls tls,
                       Optional<String> originalDestination) {
    public Upstream {
        Objects.requireNonNull(host, "host");
        addresses = List.copyOf(addresses);
        Objects.requireNonNull(tls, "tls");
        originalDestination = originalDestination == null ? Optional.empty() : originalDestination;
        if (originalDestination.isPresent() && !addresses.isEmpty()) {
            throw new IllegalArgumentException("an upstream is either the original destination or given addresses");
        }
    }

    public Upstream(String host, int port, List<String> addresses, UpstreamTls tls) {
        this(host, port, addresses, tls, Optional.empty());
    }

    /** Connect to the captured connection's original destination {@code ip}:{@code port}, keeping host and TLS. */
    static Upstream originalDestination(String host, String ip, int port, UpstreamTls tls) {
        return new Upstream(host, port, List.of(), tls, Optional.of(ip));
    }
}
