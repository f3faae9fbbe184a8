package dev.tollgate.core.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Who sends traffic through the egress gateways, and what each gateway listens on and connects to: derived once from
 * a configuration, so that {@code tollgate netpol} (which writes the network policy) and {@code tollgate analyze}
 * (which judges the files' own policies) cannot disagree about which namespaces must be held to the gateway.
 *
 * @param applicationNamespaces by name; each with the resource that put it there
 * @param gateways              the egress gateway workloads, by namespace and name; Istio's default one when the
 *                              files declare none
 */
public record EgressTopology(List<ApplicationNamespace> applicationNamespaces, List<GatewayWorkload> gateways) {
    /** Where Istio's control plane runs, and how its pods are labelled (Istio's istiod chart). */
    public static final String CONTROL_PLANE_NAMESPACE = "istio-system";
    public static final Map<String, String> CONTROL_PLANE_LABELS = Map.of("app", "istiod");
    /** Where cluster DNS runs, and how its pods are labelled (kube-dns and CoreDNS keep the same label). */
    public static final String DNS_NAMESPACE = "kube-system";
    public static final Map<String, String> DNS_LABELS = Map.of("k8s-app", "kube-dns");

    public EgressTopology {
        applicationNamespaces = List.copyOf(applicationNamespaces);
        gateways = List.copyOf(gateways);
    }

    /** Whether any gateway listens at all: without a listener, nothing is sent through a gateway. */
    public boolean routesThroughGateway() {
        return gateways.stream().anyMatch(g -> !g.listenerPorts().isEmpty());
    }

    public List<String> applicationNamespaceNames() {
        return applicationNamespaces.stream().map(ApplicationNamespace::name).toList();
    }

    /**
     * A namespace whose pods must leave only through a gateway.
     *
     * @param because  what puts it here, as a message names it ({@code Sidecar shop/default}, {@code workload
     *                 default/sleep})
     * @param resource that resource's key, when it is an Istio resource
     * @param origin   where it is written
     */
    public record ApplicationNamespace(String name, String because, Optional<ResourceKey> resource, Origin origin) {
        public ApplicationNamespace {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(because, "because");
            resource = resource == null ? Optional.empty() : resource;
            origin = origin == null ? Origin.UNKNOWN : origin;
        }
    }

    /**
     * One egress gateway workload.
     *
     * @param name          the Deployment (or Pod) name, or Istio's {@code istio-egressgateway} when assumed
     * @param labels        its pod labels, as a NetworkPolicy podSelector matches them
     * @param listenerPorts the ports of the Gateway servers that select it: what application pods may reach
     * @param upstreamPorts the ports its routes connect to outside: what it may reach on any address
     */
    public record GatewayWorkload(String namespace, String name, Map<String, String> labels,
                                  SortedSet<Integer> listenerPorts, SortedSet<Integer> upstreamPorts) {
        public GatewayWorkload {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            labels = Map.copyOf(labels);
            listenerPorts = Collections.unmodifiableSortedSet(new TreeSet<>(listenerPorts));
            upstreamPorts = Collections.unmodifiableSortedSet(new TreeSet<>(upstreamPorts));
        }
    }
}
