package dev.tollgate.core.registry;

import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One host of one ServiceEntry: Istio turns each host of an entry into its own Service, and every rule of the
 * registry (visibility, imports, duplicates) works on these. Public so that analyze reads the registry's hosts
 * ({@link Registry#serviceHosts}) rather than the entries again.
 *
 * @param hostIndex         the host's position in {@code spec.hosts}, for origins
 * @param kubernetesService true for the egress gateway's Kubernetes Service, which Istio prefers over entries
 * @param order             Istio's "oldest first": with no creation timestamps, all are equally old and Istio
 *                          orders by {@code hostname.namespace}; ties keep the configuration's order
 */
public record ServiceHost(Resource<ServiceEntry> entry, String host, int hostIndex, List<ServicePort> ports,
                   Visibility exportTo, boolean kubernetesService, int order) {

    public ServiceHost {
        Objects.requireNonNull(entry);
        Objects.requireNonNull(host);
        ports = List.copyOf(ports);
    }

    String namespace() {
        return entry.namespace();
    }

    boolean visibleFrom(String namespace) {
        return exportTo.isVisibleFrom(namespace, namespace());
    }

    Optional<ServicePort> port(int number) {
        for (ServicePort p : ports) {
            if (p.getNumber() != null && p.getNumber() == number) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    boolean hasPort(int number) {
        return port(number).isPresent();
    }

    /** {@code ServiceEntry ns/name} with the host, for messages. */
    String label() {
        return entry.key() + " (host " + host + ")";
    }

    String resolution() {
        ServiceEntry spec = entry.spec();
        return spec.getResolution() == null ? "NONE" : spec.getResolution().name();
    }
}
