package dev.tollgate.cli.netpol;

import dev.tollgate.core.model.EgressTopology;
import dev.tollgate.core.model.net.IpPrefix;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the network may let through so that the egress gateways are the only way out, independent of how it is
 * written down (Kubernetes NetworkPolicy or nftables). Read off the core's {@link EgressTopology}, which
 * {@code analyze} checks the files' own policies against.
 *
 * @param applicationNamespaces every namespace whose pods may reach only DNS, the gateways and the control plane
 * @param gateways              each egress gateway, with its own ports
 * @param apiServer             what the control plane may reach
 */
public record EgressAllowList(List<String> applicationNamespaces, List<Gateway> gateways, ApiServer apiServer) {
    public static final String CONTROL_PLANE_NAMESPACE = EgressTopology.CONTROL_PLANE_NAMESPACE;
    public static final Map<String, String> CONTROL_PLANE_LABELS = EgressTopology.CONTROL_PLANE_LABELS;
    /** istiod serves xDS and certificates on 15012. */
    public static final int CONTROL_PLANE_PORT = 15012;
    public static final String DNS_NAMESPACE = EgressTopology.DNS_NAMESPACE;
    public static final Map<String, String> DNS_LABELS = EgressTopology.DNS_LABELS;
    public static final int DNS_PORT = 53;
    /** A name Kubernetes accepts (DNS-1123 subdomain) is at most this long. */
    private static final int MAX_NAME = 253;

    public EgressAllowList {
        applicationNamespaces = List.copyOf(applicationNamespaces);
        gateways = List.copyOf(gateways);
        Objects.requireNonNull(apiServer, "apiServer");
    }

    /**
     * One egress gateway.
     *
     * @param name          the workload's name, which {@code -o nftables --gateway NS/NAME} picks it by
     * @param policyName    its upstream policy's name, unique in its namespace
     * @param labels        the gateway pods' labels, as a NetworkPolicy podSelector matches them
     * @param listenerPorts the ports of its Gateway servers, which application pods may reach
     * @param upstreamPorts the ports it may reach on any address
     */
    public record Gateway(String namespace, String name, String policyName, Map<String, String> labels,
                          SortedSet<Integer> listenerPorts, SortedSet<Integer> upstreamPorts) {
        public Gateway {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(policyName, "policyName");
            labels = Map.copyOf(labels);
            listenerPorts = Collections.unmodifiableSortedSet(new TreeSet<>(listenerPorts));
            upstreamPorts = Collections.unmodifiableSortedSet(new TreeSet<>(upstreamPorts));
        }
    }

    /**
     * The Kubernetes API server, which istiod watches. It is no pod, so a NetworkPolicy can only name its addresses.
     *
     * @param cidrs its addresses; empty means any address (see {@link NetworkPolicies})
     * @param ports the ports it serves on
     */
    public record ApiServer(List<IpPrefix> cidrs, SortedSet<Integer> ports) {
        /** 443 is the in-cluster {@code kubernetes} Service's port; 6443 the API server's own, behind it. */
        public static final SortedSet<Integer> DEFAULT_PORTS = Collections.unmodifiableSortedSet(
                new TreeSet<>(List.of(443, 6443)));
        public static final ApiServer ANY_ADDRESS = new ApiServer(List.of(), DEFAULT_PORTS);

        public ApiServer {
            cidrs = List.copyOf(cidrs);
            ports = Collections.unmodifiableSortedSet(new TreeSet<>(ports.isEmpty() ? DEFAULT_PORTS : ports));
        }

        public boolean anyAddress() {
            return cidrs.isEmpty();
        }
    }

    /**
     * The allow-list for {@code topology}. A gateway alone in its namespace has the policy name
     * {@link NetworkPolicies#GATEWAY_POLICY}; several in one namespace add their workload names to it.
     */
    public static EgressAllowList of(EgressTopology topology, ApiServer apiServer) {
        List<Gateway> gateways = new ArrayList<>();
        for (EgressTopology.GatewayWorkload g : topology.gateways()) {
            long inNamespace = topology.gateways().stream().filter(o -> o.namespace().equals(g.namespace())).count();
            String name = NetworkPolicies.GATEWAY_POLICY;
            if (inNamespace > 1) {
                name = name + "-" + g.name();
                name = name.length() > MAX_NAME ? name.substring(0, MAX_NAME).replaceAll("[.-]+$", "") : name;
            }
            gateways.add(new Gateway(g.namespace(), g.name(), name, g.labels(), g.listenerPorts(),
                    g.upstreamPorts()));
        }
        return new EgressAllowList(topology.applicationNamespaceNames(), gateways, apiServer);
    }

    /** Every gateway's listener ports: what -o nftables opens to the gateway addresses, which carry no labels. */
    public SortedSet<Integer> allListenerPorts() {
        SortedSet<Integer> ports = new TreeSet<>();
        gateways.forEach(g -> ports.addAll(g.listenerPorts()));
        return ports;
    }

    public SortedSet<Integer> allUpstreamPorts() {
        SortedSet<Integer> ports = new TreeSet<>();
        gateways.forEach(g -> ports.addAll(g.upstreamPorts()));
        return ports;
    }
}
