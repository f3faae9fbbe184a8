package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.EgressTopology;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.EgressTopology.ApplicationNamespace;
import dev.tollgate.core.model.EgressTopology.GatewayWorkload;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.Routing;
import dev.tollgate.core.routing.VirtualServiceView;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Derives the {@link EgressTopology}: the one answer to "which namespaces send through which gateway" that both
 * {@code netpol} and {@code analyze} use.
 *
 * <ul>
 *   <li>Gateways: the workloads labelled {@code istio: egressgateway} or selected by a Gateway (one per namespace and
 *   label set), else Istio's default one.</li>
 *   <li>Application namespaces: every namespace the files put a non-gateway workload, Sidecar, VirtualService,
 *   ServiceEntry, DestinationRule or AuthorizationPolicy in, except the mesh root namespace, the control plane's and
 *   the gateways'. Any of these in a namespace says that its pods are the mesh's applications, whose egress the
 *   configuration means to send through a gateway.</li>
 *   <li>A gateway's upstream ports: the destination ports of the routes bound to a Gateway that selects it, plus
 *   the ports (and targetPorts) of the ServiceEntries those routes go to. A route to a gateway's own service is a
 *   hop inside the mesh, not upstream.</li>
 * </ul>
 */
final class EgressTopologies {
    private EgressTopologies() {
    }

    static EgressTopology derive(ConfigSet config, Routing routing) {
        List<Workload> gatewayWorkloads = gatewayWorkloads(config, routing);
        Set<String> gatewayNamespaces = new HashSet<>();
        List<GatewayWorkload> gateways = new ArrayList<>();
        gatewayWorkloads.forEach(w -> gatewayNamespaces.add(w.namespace()));
        // the deployments Istio makes for Gateway API Gateways, unless the files declare their pods
        List<EgressGatewayIdentity.Deployment> deployments = EgressGatewayIdentity.deployments(config.gateways())
                .stream().filter(d -> gatewayWorkloads.stream().noneMatch(w -> w.namespace()
                        .equals(d.workload().namespace()) && LabelSelector.of(d.workload().labels()).matches(w.labels())))
                .toList();
        deployments.forEach(d -> gatewayNamespaces.add(d.workload().namespace()));
        // check sends a route to any gateway service it cannot place to Istio's default gateway: never upstream
        Set<String> gatewayServices = new HashSet<>(gatewayNamespaces);
        gatewayServices.add(EgressGatewayIdentity.NAMESPACE);
        boolean defaultGateway = gatewayWorkloads.isEmpty()
                && (deployments.isEmpty() || !routing.listeners(EgressGatewayIdentity.WORKLOAD).isEmpty());
        if (defaultGateway) {
            gateways.add(gateway(config, routing, EgressGatewayIdentity.NAME, EgressGatewayIdentity.WORKLOAD,
                    gatewayServices));
            gatewayNamespaces.add(EgressGatewayIdentity.NAMESPACE);
        }
        for (Workload w : gatewayWorkloads) {
            gateways.add(gateway(config, routing, w.name(), w.ref(), gatewayServices));
        }
        for (EgressGatewayIdentity.Deployment d : deployments) {
            String name = d.serviceHost().substring(0, d.serviceHost().indexOf('.'));
            gateways.add(gateway(config, routing, name, d.workload(), gatewayServices));
        }
        Set<String> excluded = new HashSet<>(gatewayNamespaces);
        excluded.add(config.mesh().rootNamespace());
        excluded.add(EgressTopology.CONTROL_PLANE_NAMESPACE);
        Map<String, ApplicationNamespace> namespaces = new LinkedHashMap<>();
        for (Workload w : config.workloads()) {
            if (!isGateway(w, routing)) {
                namespaces.putIfAbsent(w.namespace(), new ApplicationNamespace(w.namespace(),
                        "workload " + w.namespace() + "/" + w.name(), Optional.empty(), w.origin()));
            }
        }
        List<List<? extends Resource<?>>> kinds = List.of(config.sidecars(), config.virtualServices(),
                config.serviceEntries(), config.destinationRules(), config.authorizationPolicies());
        for (List<? extends Resource<?>> resources : kinds) {
            for (Resource<?> r : resources) {
                namespaces.putIfAbsent(r.namespace(), new ApplicationNamespace(r.namespace(), r.key().toString(),
                        Optional.of(r.key()), r.originOf("metadata.namespace")));
            }
        }
        Map<String, ApplicationNamespace> sorted = new TreeMap<>(namespaces);
        excluded.forEach(sorted::remove);
        return new EgressTopology(List.copyOf(sorted.values()), gateways);
    }

    /** One workload per namespace and label set, by namespace and name: two Deployments alike are one selector. */
    static List<Workload> gatewayWorkloads(ConfigSet config, Routing routing) {
        Map<String, Workload> bySelector = new LinkedHashMap<>();
        config.workloads().stream().filter(w -> isGateway(w, routing))
                .sorted(Comparator.comparing(Workload::namespace).thenComparing(Workload::name))
                .forEach(w -> bySelector.putIfAbsent(w.namespace() + " " + new TreeMap<>(w.labels()), w));
        return List.copyOf(bySelector.values());
    }

    /**
     * Whether {@code w} is an egress gateway: labelled as one, or selected by a Gateway's selector. Every finding and
     * the topology ask here, so they agree on which pods are the gateway's.
     */
    static boolean isGateway(Workload w, Routing routing) {
        return EgressGatewayIdentity.labelled(w.labels()) || routing.selectedByAnyGateway(w.labels());
    }

    private static GatewayWorkload gateway(ConfigSet config, Routing routing, String name, WorkloadRef ref,
                                           Set<String> gatewayNamespaces) {
        SortedSet<Integer> listeners = new TreeSet<>();
        for (GatewayListener l : routing.listeners(ref)) {
            listeners.add(l.port());
        }
        Set<String> gatewayNames = new HashSet<>();
        for (GatewayServer s : routing.servers(ref)) {
            gatewayNames.add(s.gatewayName());
        }
        SortedSet<Integer> upstream = new TreeSet<>();
        for (VirtualServiceView vs : routing.virtualServices()) {
            for (VirtualServiceView.Route route : vs.routes()) {
                if (!boundTo(vs, route, gatewayNames)) {
                    continue;
                }
                for (VirtualServiceView.Destination d : route.destinations()) {
                    String host = d.target().host();
                    if (isGatewayService(host, gatewayNamespaces)) {
                        continue;
                    }
                    addPort(upstream, d.target().port());
                    serviceEntryPorts(config, host, upstream);
                }
            }
        }
        return new GatewayWorkload(ref.namespace(), name, ref.labels(), listeners, upstream);
    }

    /** Istio takes a match's gateways over the VirtualService's; a route without matches takes the service's. */
    private static boolean boundTo(VirtualServiceView vs, VirtualServiceView.Route route, Set<String> names) {
        if (route.matches().isEmpty()) {
            return vs.gateways().stream().anyMatch(names::contains);
        }
        for (VirtualServiceView.Match m : route.matches()) {
            List<String> gateways = m.gateways().isEmpty() ? vs.gateways() : m.gateways();
            if (gateways.stream().anyMatch(names::contains)) {
                return true;
            }
        }
        return false;
    }

    private static void serviceEntryPorts(ConfigSet config, String host, SortedSet<Integer> ports) {
        for (Resource<ServiceEntry> se : config.serviceEntries()) {
            List<String> hosts = se.spec().getHosts() == null ? List.of() : se.spec().getHosts();
            if (hosts.stream().anyMatch(h -> h != null && HostPattern.overlaps(h, host))) {
                for (ServicePort p : se.spec().getPorts() == null ? List.<ServicePort>of() : se.spec().getPorts()) {
                    addPort(ports, p.getNumber());
                    addPort(ports, p.getTargetPort());
                }
            }
        }
    }

    /**
     * A gateway's Kubernetes service: {@code name.ns}, {@code name.ns.svc} or {@code name.ns.svc.cluster.local} with
     * {@code ns} a gateway namespace (the sidecar's hop to the gateway, as Tollgate's check resolves it).
     */
    static boolean isGatewayService(String host, Set<String> gatewayNamespaces) {
        String[] labels = host.split("\\.", -1);
        boolean serviceForm = labels.length == 2 || labels.length == 3 && labels[2].equals("svc")
                || labels.length == 5 && host.endsWith(".svc.cluster.local");
        return serviceForm && gatewayNamespaces.contains(labels[1]);
    }

    private static void addPort(SortedSet<Integer> ports, Number port) {
        if (port != null && port.longValue() > 0 && port.longValue() <= 65535) {
            ports.add(port.intValue());
        }
    }
}
