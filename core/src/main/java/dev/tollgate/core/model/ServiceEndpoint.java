package dev.tollgate.core.model;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One endpoint of a ServiceEntry, as Istio makes a {@code WorkloadInstance} of it: either one of the entry's own
 * {@code endpoints}, or a WorkloadEntry its {@code workloadSelector} selects.
 *
 * @param address        an IP, a DNS name (resolved by the proxy, for a DNS entry), {@code unix://path}, or empty when
 *                       only {@code network} is given
 * @param ports          the endpoint's port per ServiceEntry port name
 * @param labels         for a WorkloadEntry, its {@code spec.labels} merged with its metadata labels, the metadata's
 *                       winning (Istio's {@code ConvertWorkloadEntry})
 * @param weight         {@code weight} as written (0: unset)
 * @param serviceAccount {@code serviceAccount} as written; empty when unset
 * @param workloadEntry  the WorkloadEntry it comes from; empty for one of the entry's own {@code endpoints}
 * @param where          where it was written: the WorkloadEntry, or the entry's {@code endpoints[i]}
 */
public record ServiceEndpoint(String address, Map<String, Integer> ports, Map<String, String> labels, String network,
                              String locality, int weight, String serviceAccount,
                              Optional<ResourceKey> workloadEntry, Origin where) {
    public static final String UNIX_PREFIX = "unix://";

    public ServiceEndpoint {
        address = address == null ? "" : address;
        ports = Map.copyOf(ports);
        labels = Map.copyOf(labels);
        network = network == null ? "" : network;
        locality = locality == null ? "" : locality;
        serviceAccount = serviceAccount == null ? "" : serviceAccount;
        Objects.requireNonNull(workloadEntry, "workloadEntry");
        where = where == null ? Origin.UNKNOWN : where;
    }

    public boolean isUnix() {
        return address.startsWith(UNIX_PREFIX);
    }

    /**
     * Whether only a DNS ServiceEntry may select it: a unix socket or a host name is no address a STATIC cluster (or
     * a Kubernetes Service) can use (Istio's {@code DNSServiceEntryOnly} in {@code convertWorkloadEntryToWorkloadInstance}).
     */
    public boolean dnsEntryOnly() {
        return isUnix() || (!address.isEmpty() && !dev.tollgate.core.model.net.IpAddress.isLiteral(address));
    }

    /**
     * The port a connection to this endpoint for the ServiceEntry port {@code name}/{@code number} goes to, by Istio's
     * priority ({@code convertWorkloadInstanceToServiceInstance}: "unixAddress > we.ports > se.port.targetPort >
     * se.port.number"); 0 for a unix socket.
     */
    public int port(String name, int targetPort, int number) {
        if (isUnix()) {
            return 0;
        }
        Integer own = name == null ? null : ports.get(name);
        if (own != null && own > 0) {
            return own;
        }
        return targetPort > 0 ? targetPort : number;
    }

    /** {@code WorkloadEntry ns/name} or {@code endpoints[i]} with where it is written, for hops and explain. */
    public String describe() {
        return workloadEntry.map(k -> k + " (" + where + ")").orElse("endpoint at " + where);
    }

    /** The SPIFFE identity a workload of {@code namespace} with this service account has in {@code trustDomain}. */
    public Optional<String> spiffeId(String trustDomain, String namespace) {
        return serviceAccount.isEmpty() ? Optional.empty()
                : Optional.of("spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount);
    }
}
