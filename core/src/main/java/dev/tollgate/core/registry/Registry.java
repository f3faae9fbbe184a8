package dev.tollgate.core.registry;

import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.KubernetesService;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.Consideration;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.Server;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryLocation;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service registry as Istio's sidecars see it: ServiceEntry hosts and Kubernetes Services
 * ({@link KubernetesService}) with their {@code exportTo}, the Sidecar
 * resources that narrow what each workload imports, and the outbound traffic policy. Built once by
 * {@link #compile(ConfigSet)}, immutable afterwards; {@link #scopeFor(WorkloadRef)} is a map lookup plus a
 * workloadSelector match, and {@link SidecarScope#lookup} is a few hash lookups.
 *
 * <p>The Kubernetes Service of the egress gateway ({@link EgressGatewayIdentity#SERVICE_HOST}) is always in the
 * registry, visible to every namespace (as if annotated {@code networking.istio.io/exportTo: "*"}), with the ports of
 * Istio's default install ({@code http2} 80 and {@code https} 443) plus the port of every Gateway server that selects
 * the egress gateway's labels, as an operator exposes them on the Service. It stands in for the Service until the
 * files hold the real one, which then replaces it. Istio prefers a Kubernetes Service to a ServiceEntry of the same
 * name. An ExternalName Service is no service of its own but an alias ({@link SidecarScope#lookup}).
 */
public final class Registry {

    private static final String SYNTHETIC_ANNOTATION = "tollgate.dev/synthetic";
    private static final int MAX_CACHED_SCOPES = 100_000;

    private final MeshSettings mesh;
    private final VisibilityIndex index;
    private final Map<String, List<Resource<Sidecar>>> sidecarsByNamespace;
    private final Optional<Resource<Sidecar>> rootSidecar;
    private final Resource<ServiceEntry> egressGatewayService;
    private final Set<String> gatewayServiceHosts;
    /** The ServiceEntries' hosts in the configuration's order (entry, then host), without the built-in Service. */
    private final List<ServiceHost> written;
    private final ConcurrentHashMap<ScopeKey, SidecarScope> scopes = new ConcurrentHashMap<>();

    private record ScopeKey(String namespace, ResourceKey sidecar, SidecarScope.Source source) {
    }

    private Registry(MeshSettings mesh, VisibilityIndex index, Map<String, List<Resource<Sidecar>>> sidecars,
                     Resource<ServiceEntry> egressGatewayService, List<ServiceHost> written,
                     Set<String> gatewayServiceHosts) {
        this.mesh = mesh;
        this.written = List.copyOf(written);
        this.index = index;
        this.sidecarsByNamespace = sidecars;
        this.egressGatewayService = egressGatewayService;
        this.gatewayServiceHosts = Set.copyOf(gatewayServiceHosts);
        List<Resource<Sidecar>> root = sidecars.getOrDefault(mesh.rootNamespace(), List.of());
        this.rootSidecar = root.stream().filter(r -> r.spec().getWorkloadSelector() == null).findFirst();
    }

    public static Registry compile(ConfigSet config) {
        MeshSettings mesh = config.mesh();
        Resource<ServiceEntry> gateway = egressGatewayService(config.gateways());
        List<ServiceHost> hosts = new ArrayList<>(config.serviceEntries().size() + config.services().size() + 1);
        for (Resource<ServiceEntry> r : config.serviceEntries()) {
            addHosts(hosts, r, false, mesh);
        }
        Map<String, KubernetesService> aliases = new HashMap<>();
        Set<String> written = new HashSet<>();
        for (KubernetesService s : config.services()) {
            written.add(s.host());
            if (s.alias()) {
                aliases.put(s.host(), s);
            } else {
                addHosts(hosts, s.entry(), true, mesh);
            }
        }
        // a Service in the files is the cluster's own: it stands for itself rather than the built-in stand-in
        if (!written.contains(EgressGatewayIdentity.SERVICE_HOST)) {
            addHosts(hosts, gateway, true, mesh);
        }
        for (EgressGatewayIdentity.Deployment d : EgressGatewayIdentity.deployments(config.gateways())) {
            if (!d.serviceHost().equals(EgressGatewayIdentity.SERVICE_HOST) && !written.contains(d.serviceHost())) {
                addHosts(hosts, deploymentService(d, config.gateways()), true, mesh);
            }
        }
        // Istio's SortServicesByCreationTime: with equal creation times (files have none), by "hostname.namespace"
        List<ServiceHost> sorted = new ArrayList<>(hosts);
        sorted.sort(Comparator.comparing((ServiceHost s) -> s.host()).thenComparing(ServiceHost::namespace));
        List<ServiceHost> ordered = new ArrayList<>(sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            ServiceHost s = sorted.get(i);
            ordered.add(new ServiceHost(s.entry(), s.host(), s.hostIndex(), s.ports(), s.exportTo(),
                    s.kubernetesService(), i));
        }
        Map<Resource<ServiceEntry>, Integer> position = new java.util.IdentityHashMap<>();
        for (Resource<ServiceEntry> r : config.serviceEntries()) {
            position.putIfAbsent(r, position.size());
        }
        List<ServiceHost> entries = ordered.stream().filter(s -> !s.kubernetesService())
                .sorted(Comparator.comparing((ServiceHost s) -> position.get(s.entry()))
                        .thenComparingInt(ServiceHost::hostIndex)).toList();
        Map<String, List<Resource<Sidecar>>> sidecars = new HashMap<>();
        for (Resource<Sidecar> r : config.sidecars()) {
            sidecars.computeIfAbsent(r.namespace(), k -> new ArrayList<>()).add(r);
        }
        // Istio: Sidecars with a workloadSelector first, then by creation time; files carry none, so by name
        Comparator<Resource<Sidecar>> order = Comparator
                .comparing((Resource<Sidecar> r) -> r.spec().getWorkloadSelector() == null)
                .thenComparing(Resource::name);
        sidecars.replaceAll((ns, list) -> list.stream().sorted(order).toList());
        return new Registry(mesh, new VisibilityIndex(ordered, aliases), Map.copyOf(sidecars), gateway, entries,
                EgressGatewayIdentity.serviceHosts(config.gateways()));
    }

    private static void addHosts(List<ServiceHost> out, Resource<ServiceEntry> r, boolean kubernetes,
                                 MeshSettings mesh) {
        ServiceEntry spec = r.spec();
        List<String> declared = spec.getHosts() == null ? List.of() : spec.getHosts();
        List<ServicePort> ports = spec.getPorts() == null ? List.of() : spec.getPorts();
        // Services and ServiceEntries alike: exportTo as written (a Service's from its annotation), else the mesh's
        // defaultServiceExportTo, "the default value for ServiceEntry.exportTo field and services imported through
        // container registry integrations"; the built-in gateway Services say "*"
        Visibility exportTo = Visibility.ofService(spec.getExportTo(), mesh.defaultServiceExportTo());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < declared.size(); i++) {
            String h = HostName.fold(declared.get(i));
            if (h.isEmpty() || !seen.add(h)) {
                continue;
            }
            out.add(new ServiceHost(r, h, i, ports, exportTo, kubernetes, 0));
        }
    }

    private static Resource<ServiceEntry> egressGatewayService(List<Resource<Gateway>> gateways) {
        Map<Long, ServicePort> ports = new LinkedHashMap<>();
        ports.put(80L, port(80, "http2", "HTTP2", 8080));
        ports.put(443L, port(443, "https", "HTTPS", 8443));
        for (Resource<Gateway> g : gateways) {
            // the Service's ports follow the Gateways written for the egress gateway by name; a selector-less one
            // applies to it too, but is no sign the Service was made for it
            LabelSelector selector = LabelSelector.of(g.spec().getSelector());
            if (selector.isEmpty() || !selector.matches(EgressGatewayIdentity.LABELS)) {
                continue;
            }
            for (Server s : g.spec().getServers() == null ? List.<Server>of() : g.spec().getServers()) {
                if (s.getPort() != null && s.getPort().getNumber() != null) {
                    long n = s.getPort().getNumber();
                    ports.putIfAbsent(n, port((int) n, s.getPort().getName(), s.getPort().getProtocol(),
                            s.getPort().getTargetPort() == null ? (int) n : s.getPort().getTargetPort().intValue()));
                }
            }
        }
        ServiceEntry spec = new ServiceEntry();
        spec.setHosts(List.of(EgressGatewayIdentity.SERVICE_HOST));
        spec.setPorts(List.copyOf(ports.values()));
        spec.setLocation(ServiceEntryLocation.MESH_INTERNAL);
        spec.setResolution(ServiceEntryResolution.STATIC);
        spec.setExportTo(List.of("*"));
        return new Resource<>(new ResourceKey(Kind.SERVICE_ENTRY, EgressGatewayIdentity.NAMESPACE,
                EgressGatewayIdentity.NAME), spec,
                EgressGatewayIdentity.LABELS, Map.of(SYNTHETIC_ANNOTATION, "kubernetes-service"),
                new Origin("Kubernetes Service " + EgressGatewayIdentity.NAMESPACE + "/" + EgressGatewayIdentity.NAME
                        + " (built in)", 0, 0),
                Map.of());
    }

    /**
     * The Kubernetes Service Istio's deployment controller makes for a Gateway API {@code Gateway}
     * ({@code NAME-istio}, one port per listener; {@code pilot/pkg/config/kube/gateway/deploymentcontroller.go}),
     * visible everywhere, as Services are by default.
     */
    private static Resource<ServiceEntry> deploymentService(EgressGatewayIdentity.Deployment d,
                                                            List<Resource<Gateway>> gateways) {
        Map<Long, ServicePort> ports = new LinkedHashMap<>();
        Origin origin = Origin.UNKNOWN;
        for (Resource<Gateway> g : gateways) {
            if (!d.serviceHost().equals(g.annotations().get(EgressGatewayIdentity.GATEWAY_SERVICE_ANNOTATION))) {
                continue;
            }
            origin = origin == Origin.UNKNOWN ? g.origin() : origin;
            for (Server s : g.spec().getServers() == null ? List.<Server>of() : g.spec().getServers()) {
                if (s.getPort() != null && s.getPort().getNumber() != null) {
                    long n = s.getPort().getNumber();
                    ports.putIfAbsent(n, port((int) n, s.getPort().getName(), s.getPort().getProtocol(), (int) n));
                }
            }
        }
        ServiceEntry spec = new ServiceEntry();
        spec.setHosts(List.of(d.serviceHost()));
        spec.setPorts(List.copyOf(ports.values()));
        spec.setLocation(ServiceEntryLocation.MESH_INTERNAL);
        spec.setResolution(ServiceEntryResolution.STATIC);
        spec.setExportTo(List.of("*"));
        String name = d.serviceHost().substring(0, d.serviceHost().indexOf('.'));
        return new Resource<>(new ResourceKey(Kind.SERVICE_ENTRY, d.workload().namespace(), name), spec,
                d.workload().labels(), Map.of(SYNTHETIC_ANNOTATION, "kubernetes-service"),
                new Origin("Kubernetes Service " + d.workload().namespace() + "/" + name + " (made by Istio for the "
                        + "Gateway at " + origin + ")", 0, 0), Map.of());
    }

    private static ServicePort port(int number, String name, String protocol, int targetPort) {
        ServicePort p = new ServicePort();
        p.setNumber((long) number);
        p.setName(name);
        p.setProtocol(protocol);
        p.setTargetPort((long) targetPort);
        return p;
    }

    /** True for the built-in entry that stands for the egress gateway's Kubernetes Service. */
    public static boolean isEgressGatewayService(Resource<ServiceEntry> entry) {
        return "kubernetes-service".equals(entry.annotations().get(SYNTHETIC_ANNOTATION));
    }

    /** The built-in entry for the egress gateway's Kubernetes Service. */
    public Resource<ServiceEntry> egressGatewayService() {
        return egressGatewayService;
    }

    /** The hosts of every egress gateway Service: Istio's default one and those Gateway API Gateways declare. */
    public Set<String> gatewayServiceHosts() {
        return gatewayServiceHosts;
    }

    /**
     * Every ServiceEntry host in the configuration's order (entries, then their hosts), folded, each once per entry,
     * with its resolved exportTo: for analyze. The built-in egress gateway Service is not among them.
     */
    public List<ServiceHost> serviceHosts() {
        return written;
    }

    public MeshSettings mesh() {
        return mesh;
    }

    /**
     * The scope of {@code workload}'s sidecar, Istio's way ({@code getSidecarScope}): the first Sidecar of its
     * namespace whose workloadSelector matches its labels; else its namespace's Sidecar without selector; else the
     * root namespace's Sidecar without selector; else the default that imports everything exported to the namespace.
     */
    public SidecarScope scopeFor(WorkloadRef workload) {
        return scopeFor(workload, SidecarTrace.OFF);
    }

    /** {@link #scopeFor(WorkloadRef)}, recording in {@code trace} what became of every Sidecar it could have used. */
    SidecarScope scopeFor(WorkloadRef workload, SidecarTrace trace) {
        String ns = workload.namespace();
        Resource<Sidecar> chosen = null;
        SidecarScope.Source source = SidecarScope.Source.MESH_DEFAULT;
        for (Resource<Sidecar> r : sidecarsByNamespace.getOrDefault(ns, List.of())) {
            if (chosen != null && !trace.on()) {
                break;
            }
            var selector = r.spec().getWorkloadSelector();
            if (selector != null && !selects(selector.getLabels(), workload.labels())) {
                trace.note(r, SidecarTrace.Outcome.SELECTOR_DOES_NOT_MATCH);
            } else if (chosen == null) {
                chosen = r;
                source = selector == null ? SidecarScope.Source.NAMESPACE : SidecarScope.Source.WORKLOAD_SELECTOR;
                trace.note(r, selector == null ? SidecarTrace.Outcome.APPLIES_NAMESPACE_WIDE
                        : SidecarTrace.Outcome.APPLIES_BY_SELECTOR);
            } else if (selector != null) {
                trace.note(r, SidecarTrace.Outcome.EARLIER_SELECTOR_APPLIES);
            } else {
                // Sidecars with a selector sort first, so the one taken is either selecting or namespace-wide
                trace.note(r, source == SidecarScope.Source.WORKLOAD_SELECTOR
                        ? SidecarTrace.Outcome.SELECTOR_TAKES_PRECEDENCE : SidecarTrace.Outcome.DUPLICATE_NAMESPACE_WIDE);
            }
        }
        String root = mesh.rootNamespace();
        if (trace.on() && !root.equals(ns)) {
            for (Resource<Sidecar> r : sidecarsByNamespace.getOrDefault(root, List.of())) {
                trace.note(r, r.spec().getWorkloadSelector() != null ? SidecarTrace.Outcome.ROOT_WITH_SELECTOR
                        : rootSidecar.orElse(null) != r ? SidecarTrace.Outcome.DUPLICATE_ROOT
                        : chosen != null ? SidecarTrace.Outcome.ROOT_OVERRIDDEN : SidecarTrace.Outcome.APPLIES_FROM_ROOT);
            }
        }
        if (chosen != null) {
            return scope(ns, Optional.of(chosen), source);
        }
        return rootSidecar.isPresent()
                ? scope(ns, rootSidecar, SidecarScope.Source.ROOT_NAMESPACE)
                : scope(ns, Optional.empty(), SidecarScope.Source.MESH_DEFAULT);
    }

    /**
     * The registry view of a gateway workload such as the egress gateway. Istio gives gateways a default scope of
     * their own ({@code DefaultSidecarScopeForGateway}): no Sidecar resource applies to them, they see every service
     * exported to their namespace, and for a host defined in several namespaces they take the first in push-context
     * order (entries private to their namespace, then exported to it by name, then public ones, each by
     * {@code hostname.namespace}) with no own-namespace preference; a Kubernetes Service replaces entries. The
     * outbound mode is the mesh's.
     */
    public SidecarScope gatewayScope(WorkloadRef gateway) {
        return scope(gateway.namespace(), Optional.empty(), SidecarScope.Source.GATEWAY);
    }

    /** A Sidecar's {@code workloadSelector.labels}; the caller has handled the selector-less Sidecar. */
    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return LabelSelector.of(selector).matches(labels);
    }

    private SidecarScope scope(String ns, Optional<Resource<Sidecar>> sidecar, SidecarScope.Source source) {
        ScopeKey key = new ScopeKey(ns, sidecar.map(Resource::key).orElse(null), source);
        SidecarScope cached = scopes.get(key);
        if (cached != null) {
            return cached;
        }
        SidecarScope built = new SidecarScope(index, ns, sidecar, source, mesh.outboundMode());
        // workload namespaces come from callers; bound the cache so that arbitrary names cannot grow it forever
        if (scopes.size() < MAX_CACHED_SCOPES) {
            SidecarScope raced = scopes.putIfAbsent(key, built);
            return raced != null ? raced : built;
        }
        return built;
    }

    /** Every Sidecar of {@code namespace}, in Istio's order (with selector first, then by name). */
    List<Resource<Sidecar>> sidecarsIn(String namespace) {
        return sidecarsByNamespace.getOrDefault(namespace, List.of());
    }

    Optional<Resource<Sidecar>> rootSidecar() {
        return rootSidecar;
    }

    VisibilityIndex index() {
        return index;
    }

    /**
     * Every ServiceEntry whose host matches {@code host}, and every Sidecar considered for {@code workload}, with
     * why each did or did not decide what the workload's sidecar knows about {@code host:port} (stage
     * {@code registry}).
     */
    public List<Consideration> explain(WorkloadRef workload, String host, int port) {
        return new RegistryExplainer(this, workload, HostName.fold(host), port).explain();
    }
}
