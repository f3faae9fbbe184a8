package dev.tollgate.cli.netpol;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.MeshSnapshot;
import io.fabric8.istio.api.api.networking.v1alpha3.Destination;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Reads the allow-list off a compiled configuration: which namespaces, which gateway, which ports. */
public final class AllowListDeriver {
    private AllowListDeriver() {
    }

    public static EgressAllowList derive(MeshSnapshot snapshot) {
        ConfigSet config = snapshot.config();
        WorkloadRef gateway = gatewayWorkload(config);
        SortedSet<Integer> listenerPorts = new TreeSet<>();
        for (GatewayListener l : snapshot.gatewayListeners(gateway)) {
            listenerPorts.add(l.port());
        }
        Set<String> excluded = new HashSet<>(List.of(snapshot.mesh().rootNamespace(),
                EgressAllowList.CONTROL_PLANE_NAMESPACE, gateway.namespace()));
        SortedSet<String> namespaces = new TreeSet<>();
        Stream.of(config.serviceEntries(), config.sidecars(), config.virtualServices(), config.destinationRules(),
                        config.authorizationPolicies())
                .flatMap(List::stream).map(Resource::namespace).forEach(namespaces::add);
        config.workloads().stream().filter(w -> !EgressGatewayIdentity.labelled(w.labels()))
                .map(Workload::namespace).forEach(namespaces::add);
        namespaces.removeAll(excluded);
        return new EgressAllowList(new ArrayList<>(namespaces), gateway.namespace(), gateway.labels(),
                listenerPorts, upstreamPorts(config));
    }

    /** The first gateway workload the files declare (by namespace and name), else Istio's default one. */
    static WorkloadRef gatewayWorkload(ConfigSet config) {
        return config.workloads().stream().filter(w -> EgressGatewayIdentity.labelled(w.labels()))
                .min(Comparator.comparing(Workload::namespace).thenComparing(Workload::name))
                .map(Workload::ref).orElse(EgressGatewayIdentity.WORKLOAD);
    }

    /**
     * The ports of every ServiceEntry (and its targetPort), plus the ports that routes of VirtualServices bound to a
     * Gateway send to a destination other than the gateway itself: what the gateway connects to upstream.
     */
    static SortedSet<Integer> upstreamPorts(ConfigSet config) {
        SortedSet<Integer> ports = new TreeSet<>();
        for (var se : config.serviceEntries()) {
            for (ServicePort p : nullSafe(se.spec().getPorts())) {
                addPort(ports, p.getNumber());
                addPort(ports, p.getTargetPort());
            }
        }
        for (Resource<VirtualService> vs : config.virtualServices()) {
            List<String> gateways = nullSafe(vs.spec().getGateways());
            if (gateways.isEmpty() || gateways.stream().allMatch("mesh"::equals)) {
                continue;
            }
            List<Destination> destinations = new ArrayList<>();
            for (var r : nullSafe(vs.spec().getHttp())) {
                if (atGateway(nullSafe(r.getMatch()).stream().map(m -> m.getGateways()).toList())) {
                    nullSafe(r.getRoute()).forEach(d -> destinations.add(d.getDestination()));
                }
            }
            for (var r : nullSafe(vs.spec().getTls())) {
                if (atGateway(nullSafe(r.getMatch()).stream().map(m -> m.getGateways()).toList())) {
                    nullSafe(r.getRoute()).forEach(d -> destinations.add(d.getDestination()));
                }
            }
            for (var r : nullSafe(vs.spec().getTcp())) {
                if (atGateway(nullSafe(r.getMatch()).stream().map(m -> m.getGateways()).toList())) {
                    nullSafe(r.getRoute()).forEach(d -> destinations.add(d.getDestination()));
                }
            }
            for (Destination d : destinations) {
                if (d == null || d.getPort() == null || isGateway(d.getHost())) {
                    continue;
                }
                addPort(ports, d.getPort().getNumber());
            }
        }
        return ports;
    }

    /**
     * False only when every match of the route names its gateways and none is a Gateway: a route matched only for
     * {@code mesh} is taken by sidecars, never by the gateway. A match without gateways inherits the service's.
     */
    private static boolean atGateway(List<List<String>> matchGateways) {
        if (matchGateways.isEmpty()) {
            return true;
        }
        return matchGateways.stream().anyMatch(g -> g == null || g.isEmpty() || !g.stream().allMatch("mesh"::equals));
    }

    private static boolean isGateway(String host) {
        return host != null && (host.equals(EgressGatewayIdentity.SERVICE_HOST)
                || host.startsWith(EgressGatewayIdentity.NAME + "." + EgressGatewayIdentity.NAMESPACE));
    }

    private static void addPort(SortedSet<Integer> ports, Long port) {
        if (port != null && port > 0 && port <= 65535) {
            ports.add(port.intValue());
        }
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }
}
