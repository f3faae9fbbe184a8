package dev.tollgate.cli.netpol;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the network may let through so that the egress gateway is the only way out, independent of how it is
 * written down (Kubernetes NetworkPolicy or nftables).
 *
 * @param applicationNamespaces every namespace whose pods may reach only DNS, the gateway and the control plane
 * @param gatewayNamespace      where the egress gateway pods run
 * @param gatewayLabels         the gateway pods' labels, as a NetworkPolicy podSelector matches them
 * @param gatewayPorts          the gateway's listener ports, which application pods may reach
 * @param upstreamPorts         the ports the gateway may reach on any address
 */
public record EgressAllowList(List<String> applicationNamespaces, String gatewayNamespace,
                              Map<String, String> gatewayLabels, SortedSet<Integer> gatewayPorts,
                              SortedSet<Integer> upstreamPorts) {
    /** Where Istio's control plane runs; istiod serves xDS and certificates on 15012. */
    public static final String CONTROL_PLANE_NAMESPACE = "istio-system";
    public static final Map<String, String> CONTROL_PLANE_LABELS = Map.of("app", "istiod");
    public static final int CONTROL_PLANE_PORT = 15012;
    public static final String DNS_NAMESPACE = "kube-system";
    public static final Map<String, String> DNS_LABELS = Map.of("k8s-app", "kube-dns");
    public static final int DNS_PORT = 53;

    public EgressAllowList {
        applicationNamespaces = List.copyOf(applicationNamespaces);
        Objects.requireNonNull(gatewayNamespace, "gatewayNamespace");
        gatewayLabels = Map.copyOf(gatewayLabels);
        gatewayPorts = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(gatewayPorts));
        upstreamPorts = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(upstreamPorts));
    }
}
