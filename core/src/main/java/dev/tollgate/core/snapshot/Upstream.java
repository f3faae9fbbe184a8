package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.UpstreamTls;
import java.util.List;
import java.util.Objects;

/**
 * Where a proxy connects next.
 *
 * @param host      the name to connect to (an external host, or the egress gateway's service name)
 * @param addresses addresses the operator gave explicitly (ServiceEntry endpoints, or the requested address when
 *                  the entry's {@code addresses} declare it; never an address only the client wrote); trusted, not
 *                  re-checked.
 *                  Empty: resolve {@code host} (the proxy's --resolve/--connect-to maps, then DNS, which the
 *                  address guards check)
 */
public record Upstream(String host, int port, List<String> addresses, UpstreamTls tls) {
    public Upstream {
        Objects.requireNonNull(host, "host");
        addresses = List.copyOf(addresses);
        Objects.requireNonNull(tls, "tls");
    }
}
