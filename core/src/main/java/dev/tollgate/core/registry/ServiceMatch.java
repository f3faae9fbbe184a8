package dev.tollgate.core.registry;

import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;

import java.util.Objects;
import java.util.Optional;

/**
 * What a sidecar's registry knows about one host:port.
 *
 * @param entry       the ServiceEntry that declares the host (for the egress gateway's Kubernetes Service, a
 *                    synthetic entry, see {@link Registry#isEgressGatewayService})
 * @param matchedHost the entry's host that matched, as normalised: the requested name itself or a wildcard
 * @param port        the entry's port with that number; empty when the entry has the host but not that port, which
 *                    in Istio leaves the request to the outbound traffic policy (passthrough or blackhole)
 */
public record ServiceMatch(Resource<ServiceEntry> entry, String matchedHost, Optional<ServicePort> port) {
    public ServiceMatch {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(matchedHost, "matchedHost");
        port = port == null ? Optional.empty() : port;
    }

    public boolean wildcard() {
        return HostName.isWildcard(matchedHost);
    }
}
