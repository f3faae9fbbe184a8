package dev.tollgate.core.registry;

import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.KubernetesService;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.Destination;
import io.fabric8.istio.api.api.networking.v1alpha3.OutboundTrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.OutboundTrafficPolicyMode;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One sidecar's view of the registry (Istio's {@code SidecarScope}): the workload namespace, the Sidecar resource
 * that applies (if any), its egress listeners, and the outbound traffic policy. Immutable; shared by every workload
 * of the namespace that the same Sidecar resource applies to.
 */
public final class SidecarScope {

    /** Why this scope's Sidecar (or none) applies. */
    public enum Source {
        /** A Sidecar of the workload's namespace whose workloadSelector matches the workload. */
        WORKLOAD_SELECTOR,
        /** The Sidecar of the workload's namespace without workloadSelector. */
        NAMESPACE,
        /** The Sidecar without workloadSelector in the root namespace ({@code meshConfig.rootNamespace}). */
        ROOT_NAMESPACE,
        /** No Sidecar: Istio's default, which imports every service exported to the namespace. */
        MESH_DEFAULT,
        /**
         * A gateway workload: Sidecar resources never apply to gateways, which see every service exported to their
         * namespace ({@code DefaultSidecarScopeForGateway}).
         */
        GATEWAY
    }

    private final VisibilityIndex index;
    private final String namespace;
    private final Optional<Resource<Sidecar>> sidecar;
    private final Source source;
    private final List<EgressListener> listeners;
    private final Map<Integer, EgressListener> listenerByPort;
    private final EgressListener catchAll;
    private final OutboundMode outboundMode;
    private final boolean outboundModeFromSidecar;
    private final Optional<Destination> egressProxy;
    private final boolean sidecarProxy;

    SidecarScope(VisibilityIndex index, String namespace, Optional<Resource<Sidecar>> sidecar, Source source,
                 OutboundMode meshMode) {
        this.index = index;
        this.namespace = Objects.requireNonNull(namespace);
        this.sidecar = sidecar;
        this.source = source;
        this.sidecarProxy = source != Source.GATEWAY;
        List<EgressListener> ls = new ArrayList<>();
        var egress = sidecar.map(r -> r.spec().getEgress()).orElse(List.of());
        if (egress == null || egress.isEmpty()) {
            // Istio: "If omitted, Istio will automatically configure the sidecar to be able to reach every service
            // in the mesh that is visible to this namespace" (a single */* listener)
            ls.add(EgressListener.importAll());
        } else {
            for (int i = 0; i < egress.size(); i++) {
                ls.add(EgressListener.of(i, egress.get(i), namespace));
            }
        }
        this.listeners = List.copyOf(ls);
        // Istio's GetEgressListenerForRDS: the first listener that is a catch-all or has the port, in order
        Map<Integer, EgressListener> byPort = new HashMap<>();
        EgressListener all = null;
        for (EgressListener l : listeners) {
            if (l.catchAll()) {
                all = l;
                break;
            }
            byPort.putIfAbsent(l.port().get(), l);
        }
        this.listenerByPort = Map.copyOf(byPort);
        this.catchAll = all;
        OutboundTrafficPolicy policy = sidecar.map(r -> r.spec().getOutboundTrafficPolicy()).orElse(null);
        if (policy == null) {
            this.outboundMode = meshMode;
            this.outboundModeFromSidecar = false;
            this.egressProxy = Optional.empty();
        } else {
            // proto3: an absent mode is the enum's zero value, REGISTRY_ONLY
            this.outboundMode = policy.getMode() == OutboundTrafficPolicyMode.ALLOW_ANY
                    ? OutboundMode.ALLOW_ANY : OutboundMode.REGISTRY_ONLY;
            this.outboundModeFromSidecar = true;
            this.egressProxy = Optional.ofNullable(policy.getEgressProxy());
        }
    }

    /** The namespace of the workloads this scope serves (where {@code .} in egress hosts points). */
    public String namespace() {
        return namespace;
    }

    /** The Sidecar resource that applies, if any. */
    public Optional<Resource<Sidecar>> sidecar() {
        return sidecar;
    }

    public Source source() {
        return source;
    }

    /** The Sidecar's {@code outboundTrafficPolicy.mode} when it sets one, else the mesh's. */
    public OutboundMode outboundMode() {
        return outboundMode;
    }

    /** True when the Sidecar resource decided {@link #outboundMode()}, false when the mesh did. */
    public boolean outboundModeFromSidecar() {
        return outboundModeFromSidecar;
    }

    /** The Sidecar's {@code outboundTrafficPolicy.egressProxy}, if set (Istio: only honoured with ALLOW_ANY). */
    public Optional<Destination> egressProxy() {
        return egressProxy;
    }

    /**
     * The entry this sidecar uses for {@code host:port}, Istio's way: the egress listener for the port (the first
     * with that port, else the catch-all), then the most specific host among the entries it imports that declare the
     * port (an exact name, else the longest wildcard); if none declares the port, the most specific entry that has
     * the host, with an empty port (the request then falls to the outbound traffic policy). Empty when no imported,
     * visible entry has the host.
     *
     * <p>Lookups are by name, never "any host on this port". Istio binds a TCP ServiceEntry without {@code addresses}
     * to 0.0.0.0:port, so with transparent capture "all traffic on the port defined in the ServiceEntry is matched,
     * regardless of the host" (istioctl IST0134): connections to other hosts go to the entry's endpoints, or with
     * {@code resolution: NONE} to wherever they were headed, even under REGISTRY_ONLY. Tollgate's sidecar always
     * knows the requested name (CONNECT host:port or the absolute URI), as an Istio sidecar with DNS capture does,
     * where PILOT_ENABLE_IP_AUTOALLOCATE (default true) gives such an entry its own address and the capture-all
     * disappears. Reproducing the artefact would send a client to a host it did not ask for, or pass any host on the
     * port, so Tollgate deliberately does not.
     *
     * @param host as requested; normalised here
     */
    public Optional<ServiceMatch> lookup(String host, int port) {
        return lookup(host, port, LookupTrace.OFF);
    }

    /**
     * {@link #lookup(String, int)}, recording in {@code trace} every candidate entry and what became of it; the
     * explanation of a lookup is made from this record, never from a second reading of the rules.
     */
    Optional<ServiceMatch> lookup(String host, int port, LookupTrace trace) {
        EgressListener listener = listenerFor(port);
        trace.listener(listener);
        if (listener == null && !trace.on()) {
            return Optional.empty();
        }
        String h = HostName.fold(host);
        if (!Hosts.plausible(h)) {
            return trace.answer(Optional.empty(), LookupTrace.Via.NAME);
        }
        // the name itself, then each wildcard that covers it, most specific first; a recording walk goes on past the
        // answer, changing nothing, so that the less specific entries are accounted for
        ServiceMatch found = null;
        ServiceMatch withoutPort = null;
        HostChoice c = HostChoice.choose(index, namespace, h, listener, sidecarProxy, trace.byName()).orElse(null);
        String name = c != null || !sidecarProxy || listener == null ? h : otherName(h, listener, trace);
        if (!name.equals(h)) {
            c = HostChoice.choose(index, namespace, name, listener, true, trace.byName()).orElse(null);
        }
        if (c != null) {
            found = c.withPort(port).orElse(null);
            withoutPort = c.withoutPort();
        }
        for (int dot = h.indexOf('.', 1); found == null || trace.on(); dot = h.indexOf('.', dot + 1)) {
            String key = dot > 0 ? "*" + h.substring(dot) : "*";
            c = key.equals(h) ? null
                    : HostChoice.choose(index, namespace, key, listener, sidecarProxy, trace.byName()).orElse(null);
            if (c != null && found == null) {
                found = c.withPort(port).orElse(null);
                if (withoutPort == null) {
                    withoutPort = c.withoutPort();
                }
            }
            if (dot < 0) {
                break;
            }
        }
        Optional<ServiceMatch> byAddress = Optional.empty();
        boolean addressDecides = found == null && (withoutPort == null || IpAddress.isLiteral(h));
        if (addressDecides || trace.on()) {
            byAddress = lookupAddress(h, port, listener, trace);
        }
        if (found != null) {
            return trace.answer(Optional.of(found), LookupTrace.Via.NAME);
        }
        if (addressDecides && byAddress.isPresent() && (byAddress.get().port().isPresent() || withoutPort == null)) {
            return trace.answer(byAddress, LookupTrace.Via.ADDRESS);
        }
        return trace.answer(Optional.ofNullable(withoutPort), LookupTrace.Via.NAME);
    }

    /**
     * The service host a name the sidecar has no service of stands for: Istio's other names of a service
     * ({@link ShortNames}: {@code db} for {@code db.NAMESPACE.svc.cluster.local}), then ExternalName aliases: an
     * ExternalName Service's name (or one of its other names) matches wherever the service it names matches
     * (Istio's {@code Attributes.Aliases}, added to that service's virtual host domains and SNI hosts), provided the
     * Sidecar import that brings in that service also covers the alias ({@code sidecar.go matchingAliasService}).
     * Aliases of aliases are followed; a loop stands for nothing, as Kubernetes' DNS answers NXDOMAIN. {@code h}
     * itself when it stands for no service.
     */
    private String otherName(String h, EgressListener listener, LookupTrace trace) {
        Optional<String> expanded = IpAddress.isLiteral(h) ? Optional.empty() : ShortNames.expand(h, namespace);
        if (expanded.isPresent() && HostChoice.choose(index, namespace, expanded.get(), listener, true,
                HostChoice.NO_TRACE).isPresent()) {
            trace.otherName(h, expanded.get(), Optional.empty());
            return expanded.get();
        }
        // Istio resolves a chain of aliases to the concrete service, and each alias is imported by its own host
        Optional<KubernetesService> requested = index.alias(expanded.filter(e -> index.alias(e).isPresent())
                .orElse(h));
        if (requested.isEmpty()) {
            return h;
        }
        Optional<String> target = standsFor(requested.get(), listener).map(AliasChain::target);
        if (target.isPresent()) {
            trace.otherName(h, target.get(), requested);
            return target.get();
        }
        return h;
    }

    /** The aliases followed from a requested one, and the host they end at. */
    private record AliasChain(List<KubernetesService> aliases, String target) {
    }

    /**
     * What the ExternalName Service {@code requested} stands for through {@code listener}: the concrete host at the
     * end of its chain of aliases, when that host is a service the listener takes and imports the alias with;
     * empty when the chain loops or ends nowhere the listener goes.
     */
    private Optional<AliasChain> standsFor(KubernetesService requested, EgressListener listener) {
        List<KubernetesService> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String target = requested.host();
        for (Optional<KubernetesService> alias = Optional.of(requested); alias.isPresent() && seen.add(target);
             alias = index.alias(target)) {
            chain.add(alias.get());
            target = HostName.fold(alias.get().externalName().orElseThrow());
        }
        if (index.alias(target).isPresent()) {
            return Optional.empty();
        }
        Optional<HostChoice> concrete = HostChoice.choose(index, namespace, target, listener, true,
                HostChoice.NO_TRACE);
        if (concrete.isPresent() && listener.importsAlias(concrete.get().base(), requested.host())) {
            return Optional.of(new AliasChain(List.copyOf(chain), target));
        }
        return Optional.empty();
    }

    /**
     * An IP literal against ServiceEntry {@code addresses} ("the incoming traffic will be identified as belonging to
     * this service if the destination IP matches the IP/CIDRs specified in the addresses field"): the longest
     * prefix, then an entry of the workload's namespace, else the first in Istio's order; only visible, imported
     * entries count.
     */
    private Optional<ServiceMatch> lookupAddress(String host, int port, EgressListener listener, LookupTrace trace) {
        Optional<IpAddress> ip = IpAddress.parse(host);
        if (ip.isEmpty()) {
            return Optional.empty();
        }
        ServiceMatch found = null;
        ServiceMatch withoutPort = null;
        for (List<ServiceHost> group : index.byAddress(ip.get())) {
            if (found != null && !trace.on()) {
                break;
            }
            ServiceHost best = null;
            for (ServiceHost s : group) {
                if (s.visibleFrom(namespace) && listener != null && listener.imports(s)
                        && (best == null || s.namespace().equals(namespace) && !best.namespace().equals(namespace))) {
                    best = s;
                }
            }
            if (trace.on()) {
                for (ServiceHost s : group) {
                    HostChoice.Outcome o = !s.visibleFrom(namespace) ? HostChoice.Outcome.NOT_VISIBLE
                            : listener == null ? HostChoice.Outcome.NO_LISTENER
                            : HostChoice.notImported(listener, s).orElse(s == best ? HostChoice.Outcome.BASE
                            : HostChoice.Outcome.OTHER_NAMESPACE_CHOSEN);
                    trace.byAddress(s, o, o.inView() ? Optional.of(best) : Optional.empty());
                }
            }
            if (best != null && found == null) {
                Optional<ServicePort> p = best.port(port);
                if (p.isPresent()) {
                    found = new ServiceMatch(best.entry(), best.host(), p);
                } else if (withoutPort == null) {
                    withoutPort = new ServiceMatch(best.entry(), best.host(), Optional.empty());
                }
            }
        }
        return Optional.ofNullable(found != null ? found : withoutPort);
    }

    /**
     * The service a VirtualService destination {@code host} resolves to for this sidecar. Istio adds the
     * destinations of the VirtualServices a sidecar imports to its services even when the egress hosts do not import
     * them ({@code collectImportedServices}): explicitly imported services first; else the entry of that exact name in
     * the workload's namespace; else the one of the first namespace, by name, that exports it to the workload's
     * namespace. Only exact names: a destination is never matched against wildcard entries here.
     *
     * @param port the destination port, or 0 when the route gives none
     */
    public Optional<ServiceMatch> destination(String host, int port) {
        String h = HostName.fold(host);
        if (!Hosts.plausible(h)) {
            return Optional.empty();
        }
        EgressListener listener = port == 0 ? catchAll : listenerFor(port);
        if (listener != null) {
            Optional<HostChoice> imported = HostChoice.choose(index, namespace, h, listener, sidecarProxy, HostChoice.NO_TRACE);
            if (imported.isPresent()) {
                return Optional.of(port == 0 ? imported.get().withoutPort()
                        : imported.get().withPort(port).orElse(imported.get().withoutPort()));
            }
        }
        ServiceHost own = null;
        ServiceHost firstVisible = null;
        for (ServiceHost s : index.all(h)) {
            if (s.namespace().equals(namespace)) {
                if (own == null || s.kubernetesService() && !own.kubernetesService()) {
                    own = s;
                }
            } else if (s.visibleFrom(namespace)) {
                if (firstVisible == null || s.namespace().compareTo(firstVisible.namespace()) < 0
                        || s.namespace().equals(firstVisible.namespace()) && s.kubernetesService()
                        && !firstVisible.kubernetesService()) {
                    firstVisible = s;
                }
            }
        }
        ServiceHost chosen = own != null ? own : firstVisible;
        if (chosen == null) {
            return Optional.empty();
        }
        return Optional.of(new ServiceMatch(chosen.entry(), chosen.host(),
                port == 0 ? Optional.empty() : chosen.port(port)));
    }


    /** Port -> whether some service this sidecar knows has that HTTP port; for the ports the registry declares. */
    private final Map<Integer, Boolean> httpListeners = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Whether the egress listener for {@code port} has a service named exactly {@code name} (as a registry host is
     * written: folded, or a wildcard) that declares the port, and if so whether that port is HTTP: one entry of the
     * services Istio builds the outbound route configuration of the port from (httproute.go
     * BuildSidecarOutboundVirtualHosts). Empty when it has none. This is the one rule; {@link #servicesOnPort} and
     * {@link #servicesOverlapping} ask it name by name, so that routing one request asks it only for the names that
     * request can meet, not for the whole registry.
     */
    public Optional<Boolean> serviceOnPort(String name, int port) {
        EgressListener listener = listenerFor(port);
        if (listener == null) {
            return Optional.empty();
        }
        return HostChoice.choose(index, namespace, name, listener, sidecarProxy, HostChoice.NO_TRACE)
                .flatMap(c -> c.withPort(port))
                .map(m -> isHttp(m.port().orElseThrow().getProtocol()));
    }

    /**
     * The services of {@code port} ({@link #serviceOnPort}) whose names overlap {@code pattern} (either covers the
     * other, {@link dev.tollgate.core.model.net.HostPattern#overlaps}), sorted by name, each with whether the port is
     * HTTP. Found through the registry's name index, not by a walk over every host.
     */
    public Map<String, Boolean> servicesOverlapping(String pattern, int port) {
        java.util.TreeMap<String, Boolean> out = new java.util.TreeMap<>();
        for (String name : index.hostNamesNear(pattern)) {
            if (dev.tollgate.core.model.net.HostPattern.overlaps(name, pattern)) {
                serviceOnPort(name, port).ifPresent(http -> out.put(name, http));
            }
        }
        return out;
    }

    /**
     * Every service of {@code port} ({@link #serviceOnPort}), by name. This walks the whole registry: for whole-mesh
     * questions and tests, not for routing one request.
     */
    public Map<String, Boolean> servicesOnPort(int port) {
        Map<String, Boolean> out = new HashMap<>();
        for (String h : index.hostNames()) {
            serviceOnPort(h, port).ifPresent(http -> out.put(h, http));
        }
        return Map.copyOf(out);
    }

    /**
     * True when some service this sidecar knows has an HTTP port {@code port} ({@link #serviceOnPort}): Istio then
     * has an HTTP listener there. Only the hosts that declare the port are asked, until one answers; remembered per
     * port, and a port no entry declares is answered without a walk (a client chooses its ports freely).
     */
    public boolean hasHttpListener(int port) {
        List<String> declaring = index.hostNamesWithPort(port);
        if (declaring.isEmpty()) {
            return false;
        }
        Boolean known = httpListeners.get(port);
        if (known == null) {
            known = false;
            for (String h : declaring) {
                if (serviceOnPort(h, port).orElse(false)) {
                    known = true;
                    break;
                }
            }
            httpListeners.putIfAbsent(port, known);
        }
        return known;
    }

    /** The ports whose route list is HTTP: {@link RouteKind#forServicePort}, so the two cannot disagree. */
    private static boolean isHttp(String protocol) {
        return RouteKind.forServicePort(PortProtocol.parse(protocol)) == RouteKind.HTTP;
    }

    /**
     * Every host:port this sidecar knows, as {@link #lookup} would answer for that host and port: for each port
     * with an egress listener of its own, what that listener imports on it; for the other ports, what the catch-all
     * listener imports. Sorted by host, then port. This walks the whole registry: for {@code tollgate matrix}-style
     * questions, not for the data path.
     */
    public List<ServiceMatch> visibleServices() {
        List<ServiceMatch> out = new ArrayList<>();
        List<String> hosts = new ArrayList<>(index.hostNames());
        hosts.sort(Comparator.naturalOrder());
        eachVisible(hosts, out::add);
        out.sort(Comparator.comparing(ServiceMatch::matchedHost)
                .thenComparing(m -> m.port().map(p -> p.getNumber()).orElse(0L)));
        return List.copyOf(out);
    }

    /**
     * Every entry this scope can take for some name or address: visible to its namespace and imported by one of its
     * egress listeners, whether or not it wins its host (a lookup by address reaches entries that lose their name to
     * another), and the ExternalName aliases that can stand for one of those for some listener, with the aliases
     * their chain passes through (an alias that loops or leads nowhere this scope goes decides nothing, and may name
     * another namespace's private service). A gateway's own scope never reads aliases. What the control plane sends
     * a proxy of this scope: a superset of {@link #visibleServices}' entries.
     */
    public List<Resource<ServiceEntry>> candidateEntries() {
        java.util.Set<Resource<ServiceEntry>> out = new java.util.LinkedHashSet<>();
        for (ServiceHost s : index.visibleTo(namespace)) {
            if (listeners.stream().anyMatch(l -> l.imports(s) || l.importsHost(s))) {
                out.add(s.entry());
            }
        }
        if (sidecarProxy) {
            for (KubernetesService a : index.aliases()) {
                listeners.stream().map(l -> standsFor(a, l)).flatMap(Optional::stream).findFirst()
                        .ifPresent(chain -> chain.aliases().forEach(k -> out.add(k.entry())));
            }
        }
        return List.copyOf(out);
    }

    /** What {@link #visibleServices} lists, in the order of {@code hosts}. */
    private void eachVisible(java.util.Collection<String> hosts, java.util.function.Consumer<ServiceMatch> out) {
        for (String h : hosts) {
            if (catchAll != null) {
                HostChoice.choose(index, namespace, h, catchAll, sidecarProxy, HostChoice.NO_TRACE)
                        .ifPresent(c -> {
                            Set<Long> seen = new HashSet<>();
                            for (ServiceHost s : c.merged()) {
                                for (var p : s.ports()) {
                                    if (p.getNumber() != null && seen.add(p.getNumber())
                                            && !listenerByPort.containsKey(p.getNumber().intValue())) {
                                        out.accept(new ServiceMatch(s.entry(), s.host(), Optional.of(p)));
                                    }
                                }
                            }
                        });
            }
            for (var e : listenerByPort.entrySet()) {
                HostChoice.choose(index, namespace, h, e.getValue(), sidecarProxy, HostChoice.NO_TRACE)
                        .flatMap(c -> c.withPort(e.getKey()))
                        .ifPresent(out);
            }
        }
    }

    /** Istio's {@code GetEgressListenerForRDS}; null only when a Sidecar has port listeners but no catch-all. */
    EgressListener listenerFor(int port) {
        EgressListener l = listenerByPort.get(port);
        return l != null ? l : catchAll;
    }

    List<EgressListener> listeners() {
        return listeners;
    }

    VisibilityIndex index() {
        return index;
    }

    @Override
    public String toString() {
        return "SidecarScope[" + namespace + ", " + sidecar.map(r -> r.key().toString()).orElse("mesh default")
                + ", " + outboundMode + "]";
    }
}
