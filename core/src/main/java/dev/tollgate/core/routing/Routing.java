package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.UpstreamTls;
import io.fabric8.istio.api.api.networking.v1alpha3.ClientTLSSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.Subset;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Istio's routing semantics (VirtualService, DestinationRule, Gateway), compiled once into indexes. Sidecars and
 * gateways ask it where a request goes and how TLS to the upstream is set up.
 *
 * <p>Files carry no creation timestamps, so every resource is equally old. VirtualServices are then in Istio's order
 * for equal creation times (config.go configCompareByCreationTime: by name, then namespace), which decides which of
 * two VirtualServices for one host a sidecar uses and in which order a gateway merges their routes. Elsewhere, where
 * Istio orders resources by creation time, Tollgate uses their order in the {@link ConfigSet} (the order of the files
 * and documents given).
 *
 * <p>Not modelled: VirtualService delegation ({@code delegate}), mirrors, faults, retries and timeouts (they change
 * no decision here), destination-level {@code headers} rewrites of weighted destinations.
 */
public final class Routing {
    private final MeshSettings mesh;
    /** Gateway name ({@code mesh} or {@code ns/name}) -> host pattern -> VirtualServices bound to it. */
    private final Map<String, HostIndex<CompiledVirtualService>> vsByGateway = new HashMap<>();
    /** Every VirtualService by host pattern, whatever it is bound to (for explain). */
    private final HostIndex<CompiledVirtualService> vsByHost = new HostIndex<>();
    /** Gateway name -> VirtualServices bound to it, in order. */
    private final Map<String, List<CompiledVirtualService>> vsListByGateway = new HashMap<>();
    /** Namespace -> host pattern -> DestinationRules. */
    private final Map<String, HostIndex<CompiledDestinationRule>> drByNamespace = new HashMap<>();
    private final List<CompiledGateway> gateways = new ArrayList<>();
    private final Map<dev.tollgate.core.model.ResourceKey, CompiledVirtualService> vsByKey = new HashMap<>();
    /** Gateway workloads' servers, computed once per label set (a snapshot serves few gateway workloads). */
    private final Map<Map<String, String>, List<GatewayServer>> serversByLabels = new ConcurrentHashMap<>();
    private static final int MERGED_CACHE_LIMIT = 50_000;
    private final Map<LabelsPort, PortServers> serversOnPort = new ConcurrentHashMap<>();
    private final Map<MergeKey, MergedRules> mergedCache = new ConcurrentHashMap<>();
    private final Map<List<Integer>, MergedRules> mergedByRules = new ConcurrentHashMap<>();
    private final boolean anyDrSelector;

    private Routing(ConfigSet config) {
        this.mesh = config.mesh();
        int order = 0;
        List<Resource<VirtualService>> byAge = new ArrayList<>(config.virtualServices());
        byAge.sort(Comparator.comparing((Resource<VirtualService> r) -> r.name()).thenComparing(Resource::namespace));
        for (Resource<VirtualService> r : byAge) {
            CompiledVirtualService vs = CompiledVirtualService.compile(r, order++, mesh);
            vsByKey.put(r.key(), vs);
            for (String host : vs.hosts()) {
                vsByHost.add(host, vs);
                for (String gw : vs.gateways()) {
                    vsByGateway.computeIfAbsent(gw, k -> new HostIndex<>()).add(host, vs);
                }
            }
            for (String gw : vs.gateways()) {
                vsListByGateway.computeIfAbsent(gw, k -> new ArrayList<>()).add(vs);
            }
        }
        order = 0;
        boolean drSelector = false;
        for (Resource<DestinationRule> r : config.destinationRules()) {
            CompiledDestinationRule dr = CompiledDestinationRule.compile(r, order++, mesh);
            drByNamespace.computeIfAbsent(r.namespace(), k -> new HostIndex<>()).add(dr.host(), dr);
            drSelector |= dr.hasSelector();
        }
        anyDrSelector = drSelector;
        order = 0;
        for (Resource<Gateway> r : config.gateways()) {
            gateways.add(CompiledGateway.compile(r, order++));
        }
    }

    public static Routing compile(ConfigSet config) {
        return new Routing(config);
    }

    // ---------------------------------------------------------------- sidecar

    /**
     * The mesh VirtualService route for a request from {@code from}'s sidecar.
     *
     * @param scope          the sidecar's registry view; its Sidecar's egress hosts import VirtualServices
     * @param kind           the route list, from the ServiceEntry port's protocol
     * @param serviceHost    the registry host the request matched (its virtual host also answers to the service's
     *                       addresses, which the request may have used)
     * @param destinationIps what Tollgate knows of the destination address (an IP literal host, ServiceEntry
     *                       addresses), for destinationSubnets
     */
    public RouteOutcome meshRoute(WorkloadRef from, SidecarScope scope, String host, int port, RouteKind kind,
                                  Optional<String> sni, Optional<HttpRequestInfo> http, Optional<String> serviceHost,
                                  List<String> destinationIps) {
        String h = HostName.fold(host);
        ProxyContext ctx = new ProxyContext(Set.of(GatewayNames.MESH), from.labels(), from.namespace(), port,
                false);
        if (kind == RouteKind.HTTP) {
            return http.isEmpty() ? new RouteOutcome.NoVirtualService("not an HTTP request")
                    : sidecarHttpRoute(scope, ctx, h, serviceHost, http.get());
        }
        SidecarImports imports = SidecarImports.of(scope.sidecar(), from.namespace(), port);
        List<List<CompiledVirtualService>> groups = visibleGroups(vsByGateway.get(GatewayNames.MESH), h,
                from.namespace());
        groups.forEach(g -> g.removeIf(vs -> !imports.imports(vs)));
        groups.removeIf(List::isEmpty);
        return switch (kind) {
            case HTTP -> throw new IllegalStateException("handled above");
            case TLS -> tlsRoute(flatten(groups), ctx, sni.or(() -> Optional.of(h)), destinationIps, true);
            case TCP -> tcpRoute(flatten(groups), ctx, destinationIps, true);
        };
    }

    /**
     * The mesh route for an HTTP request to a host:port no service of the sidecar's registry declares. Istio builds
     * virtual hosts from VirtualServices too, not only from services (route.go
     * buildSidecarVirtualHostsForVirtualService): a VirtualService's hosts that name no service of the port
     * ("nonServiceRegistryHosts", "to enable VirtualService configuration to affect traffic to hosts outside of the
     * service registry (e.g. google.com) on port 80") get a virtual host on port 80, and on a port where its other
     * hosts name a service with that HTTP port (see {@link SidecarVirtualHosts}); only where the sidecar has an HTTP
     * listener on the port.
     *
     * @return {@link RouteOutcome.NoVirtualService} when no VirtualService builds a virtual host for the request
     */
    public RouteOutcome meshRouteOutsideRegistry(WorkloadRef from, SidecarScope scope, String host, int port,
                                                 HttpRequestInfo http) {
        String h = HostName.fold(host);
        if (!scope.hasHttpListener(port)) {
            return new RouteOutcome.NoVirtualService("no VirtualService builds a virtual host for " + h + ":" + port);
        }
        ProxyContext ctx = new ProxyContext(Set.of(GatewayNames.MESH), from.labels(), from.namespace(), port,
                false);
        RouteOutcome out = sidecarHttpRoute(scope, ctx, h, Optional.empty(), http);
        if (out instanceof RouteOutcome.NoVirtualService) {
            return new RouteOutcome.NoVirtualService("no VirtualService builds a virtual host for " + h + ":" + port);
        }
        return out;
    }

    private static final int VIRTUAL_HOSTS_CACHE_LIMIT = 50_000;
    private final Map<ScopePort, SidecarVirtualHosts> virtualHosts = new ConcurrentHashMap<>();

    private record ScopePort(SidecarScope scope, int port) {
    }

    /** The sidecar's virtual hosts of one port, computed once per scope and port (bounded: ports are the client's). */
    private SidecarVirtualHosts virtualHosts(SidecarScope scope, int port) {
        ScopePort key = new ScopePort(scope, port);
        SidecarVirtualHosts cached = virtualHosts.get(key);
        if (cached != null) {
            return cached;
        }
        SidecarImports imports = SidecarImports.of(scope.sidecar(), scope.namespace(), port);
        List<CompiledVirtualService> listenerVs = new ArrayList<>();
        for (CompiledVirtualService vs : vsListByGateway.getOrDefault(GatewayNames.MESH, List.of())) {
            if (vs.visibleFrom(scope.namespace()) && imports.imports(vs)) {
                listenerVs.add(vs);
            }
        }
        listenerVs.sort(precedence(scope.namespace()));
        SidecarVirtualHosts built = SidecarVirtualHosts.build(listenerVs, scope.servicesOnPort(port), port);
        if (virtualHosts.size() < VIRTUAL_HOSTS_CACHE_LIMIT) {
            virtualHosts.putIfAbsent(key, built);
        }
        return built;
    }

    /**
     * HTTP at a sidecar: Envoy picks the virtual host with the most specific domain for the Host; its owner was
     * decided per service when the route configuration was built ({@link SidecarVirtualHosts}). Within it, "The
     * first rule matching an incoming request is used".
     */
    private RouteOutcome sidecarHttpRoute(SidecarScope scope, ProxyContext ctx, String host,
                                          Optional<String> serviceHost, HttpRequestInfo http) {
        SidecarVirtualHosts table = virtualHosts(scope, ctx.port());
        List<String> domains = table.domainsFor(host);
        if (serviceHost.filter(table::hasDomain).filter(sh -> !HostPattern.matches(sh, host)).isPresent()) {
            // matched by address: the service's virtual host has its addresses as exact domains
            domains = new ArrayList<>(domains);
            domains.add(0, serviceHost.get());
        }
        List<String> skipped = new ArrayList<>();
        for (String domain : domains) {
            for (SidecarVirtualHosts.Owner owner : table.owners(domain)) {
                switch (owner) {
                    case SidecarVirtualHosts.ByService s -> {
                        return new RouteOutcome.NoVirtualService(skipped.isEmpty() ? "no VirtualService for this "
                                + "host" : String.join("; ", skipped));
                    }
                    case SidecarVirtualHosts.ByVirtualService v -> {
                        if (staticHttp(v.vs(), ctx).isEmpty()) {
                            skipped.add(v.vs().label() + " has no http route for this proxy");
                            continue;
                        }
                        return httpRoute(List.of(List.of(v.vs())), false, ctx, http, "http");
                    }
                }
            }
        }
        return new RouteOutcome.NoVirtualService(skipped.isEmpty() ? "no VirtualService for this host"
                : String.join("; ", skipped));
    }

    /**
     * True when a sidecar of {@code clientNamespace} that imports {@code virtualService} gets {@code host} as a
     * service through it (Istio's collectImportedServices; see {@link CompiledVirtualService#infersDestination}).
     */
    public boolean infersDestination(dev.tollgate.core.model.ResourceKey virtualService, String host,
                                     String clientNamespace) {
        CompiledVirtualService vs = vsByKey.get(virtualService);
        return vs != null && vs.infersDestination(HostName.fold(host), clientNamespace);
    }

    /** Visible VirtualServices matching {@code host}, grouped by host pattern (most specific first), in the order a
     * proxy of {@code namespace} sees them: its own, then those exported to it by name, then public ones. */
    private static List<List<CompiledVirtualService>> visibleGroups(HostIndex<CompiledVirtualService> index,
                                                                   String host, String namespace) {
        List<List<CompiledVirtualService>> out = new ArrayList<>();
        if (index == null) {
            return out;
        }
        Map<String, List<CompiledVirtualService>> byPattern = new LinkedHashMap<>();
        for (var hit : index.lookup(host)) {
            if (hit.value().visibleFrom(namespace)) {
                List<CompiledVirtualService> g = byPattern.computeIfAbsent(hit.pattern(), k -> new ArrayList<>());
                if (!g.contains(hit.value())) {
                    g.add(hit.value());
                }
            }
        }
        for (List<CompiledVirtualService> g : byPattern.values()) {
            g.sort(precedence(namespace));
            out.add(g);
        }
        return out;
    }

    private static Comparator<CompiledVirtualService> precedence(String namespace) {
        return Comparator.<CompiledVirtualService>comparingInt(v -> v.precedenceFor(namespace))
                .thenComparingInt(CompiledVirtualService::order);
    }

    private static List<CompiledVirtualService> flatten(List<List<CompiledVirtualService>> groups) {
        List<CompiledVirtualService> out = new ArrayList<>();
        groups.forEach(out::addAll);
        return out;
    }

    /**
     * HTTP: Envoy picks the virtual host with the most specific domain; at sidecars the first VirtualService for a
     * host builds it (Istio does not merge them; istioctl reports IST0109), at gateways the routes of every
     * VirtualService for the host are merged in order. A VirtualService none of whose routes apply to this proxy
     * builds no virtual host. Within it, "The first rule matching an incoming request is used".
     */
    private RouteOutcome httpRoute(List<List<CompiledVirtualService>> groups, boolean merge, ProxyContext ctx,
                                   HttpRequestInfo http, String scheme) {
        List<String> skipped = new ArrayList<>();
        for (List<CompiledVirtualService> group : groups) {
            List<CompiledVirtualService> owners = new ArrayList<>();
            List<Candidate> candidates = new ArrayList<>();
            for (CompiledVirtualService vs : group) {
                List<Candidate> own = staticHttp(vs, ctx);
                if (own.isEmpty()) {
                    skipped.add(vs.label() + " has no http route for this proxy");
                    continue;
                }
                owners.add(vs);
                candidates.addAll(own);
                if (!merge) {
                    break;
                }
            }
            if (owners.isEmpty()) {
                continue;
            }
            if (merge) {
                // route.go SortVHostRoutes: merged virtual hosts move catch-all routes after all the others
                List<Candidate> sorted = new ArrayList<>(candidates.stream().filter(c -> !c.catchAll()).toList());
                sorted.addAll(candidates.stream().filter(Candidate::catchAll).toList());
                candidates = sorted;
            }
            List<String> misses = new ArrayList<>();
            for (Candidate c : candidates) {
                Optional<String> miss = c.match == null ? Optional.empty() : c.match.runtimeMismatch(http, scheme);
                if (miss.isPresent()) {
                    misses.add(c.vs.label() + " http[" + c.rule.index() + "]: " + miss.get());
                    continue;
                }
                String route = "http[" + c.rule.index() + "]";
                if (c.rule.answersDirectly()) {
                    return new RouteOutcome.Unmatched(Optional.of(c.vs.resource().key()),
                            c.vs.resource().originOf("spec.http[" + c.rule.index() + "]"), c.vs.label() + " " + route
                            + " answers with a redirect or direct response; Tollgate forwards nothing", false);
                }
                Optional<WeightedChoice> choice = WeightedChoice.choose(c.rule.destinations());
                if (choice.isEmpty()) {
                    return new RouteOutcome.Unmatched(Optional.of(c.vs.resource().key()),
                            c.vs.resource().originOf("spec.http[" + c.rule.index() + "]"),
                            c.vs.label() + " " + route + " has no destination with a weight", false);
                }
                String note = matchNote(c.match) + (c.rule.rewrite().describe().isEmpty() ? ""
                        : "; " + c.rule.rewrite().describe());
                return routed(c.vs, route, choice.get(), note, Optional.of(c.rule.rewrite().apply(http, c.match)));
            }
            CompiledVirtualService first = owners.get(0);
            return new RouteOutcome.Unmatched(Optional.of(first.resource().key()), first.resource().origin(),
                    "no http route of " + owners.stream().map(CompiledVirtualService::label).toList()
                            + " matches (Envoy answers 404 NR): " + String.join("; ", misses), false);
        }
        return new RouteOutcome.NoVirtualService(skipped.isEmpty() ? "no VirtualService for this host"
                : String.join("; ", skipped));
    }

    private record Candidate(CompiledVirtualService vs, CompiledVirtualService.HttpRule rule, HttpMatch match) {
        boolean catchAll() {
            return match == null || match.catchAll();
        }
    }

    /** Istio's BuildHTTPRoutesForVirtualService: the (rule, match) pairs that survive the static checks. */
    private static List<Candidate> staticHttp(CompiledVirtualService vs, ProxyContext ctx) {
        List<Candidate> out = new ArrayList<>();
        for (CompiledVirtualService.HttpRule rule : vs.http()) {
            if (rule.matches().isEmpty()) {
                out.add(new Candidate(vs, rule, null));
                break; // a catch-all: later rules are unreachable
            }
            for (HttpMatch m : rule.matches()) {
                if (m.staticMismatch(ctx).isEmpty()) {
                    out.add(new Candidate(vs, rule, m));
                }
            }
        }
        return out;
    }

    private static String matchNote(HttpMatch m) {
        return m == null ? "no match conditions (catch-all)" : "match" + (m.name().isEmpty() ? "" : " " + m.name())
                + " holds" + m.unreadSourceConditions().map(u -> "; " + u).orElse("");
    }

    private static RouteOutcome.Routed routed(CompiledVirtualService vs, String route, WeightedChoice choice,
                                              String why) {
        return routed(vs, route, choice, why, Optional.empty());
    }

    private static RouteOutcome.Routed routed(CompiledVirtualService vs, String route, WeightedChoice choice,
                                              String why, Optional<HttpRequestInfo> forwarded) {
        String detail = vs.label() + " " + route + " (" + why + ") routes to " + choice.target().describe()
                + (choice.note().isEmpty() ? "" : "; " + choice.note());
        return new RouteOutcome.Routed(vs.resource().key(), vs.resource().originOf("spec." + route), route,
                choice.target(), detail, forwarded);
    }

    /**
     * TLS: every statically matching {@code tls} match becomes an SNI filter chain; with none, the default chain
     * to the service. At runtime Envoy prefers an exact server name over a wildcard one.
     */
    private RouteOutcome tlsRoute(List<CompiledVirtualService> vss, ProxyContext ctx, Optional<String> sni,
                                  List<String> destinationIps, boolean sidecar) {
        boolean any = false;
        RouteOutcome.Routed wildcardHit = null;
        List<String> misses = new ArrayList<>();
        CompiledVirtualService firstOwner = null;
        for (CompiledVirtualService vs : vss) {
            for (CompiledVirtualService.L4Rule rule : vs.tls()) {
                for (L4Match m : rule.matches()) {
                    if (m.staticMismatch(ctx).isPresent()) {
                        continue;
                    }
                    any = true;
                    if (firstOwner == null) {
                        firstOwner = vs;
                    }
                    Optional<String> hit = m.sniMatch(sni);
                    if (hit.isEmpty() || !m.subnetsMatch(destinationIps, ctx)) {
                        misses.add(vs.label() + " tls[" + rule.index() + "]: " + (hit.isEmpty()
                                ? "sniHosts " + m.sniHosts() + " do not match SNI " + sni.orElse("(none)")
                                : "destinationSubnets " + m.destinationSubnets() + " do not match " + destinationIps));
                        continue;
                    }
                    Optional<WeightedChoice> choice = WeightedChoice.choose(rule.destinations());
                    if (choice.isEmpty()) {
                        continue;
                    }
                    RouteOutcome.Routed r = routed(vs, "tls[" + rule.index() + "]", choice.get(),
                            "sniHosts " + hit.get() + " matches SNI " + sni.orElse(""));
                    if (!HostName.isWildcard(hit.get())) {
                        return r;
                    }
                    if (wildcardHit == null) {
                        wildcardHit = r;
                    }
                }
            }
        }
        if (wildcardHit != null) {
            return wildcardHit;
        }
        if (!any) {
            return new RouteOutcome.NoVirtualService(vss.isEmpty() ? "no VirtualService for this host"
                    : "no tls route of " + vss.stream().map(CompiledVirtualService::label).toList()
                    + " applies to this proxy");
        }
        return new RouteOutcome.Unmatched(Optional.of(firstOwner.resource().key()), firstOwner.resource().origin(),
                "no tls route matches SNI " + sni.orElse("(none)") + ": " + String.join("; ", misses), sidecar);
    }

    /** TCP: the first statically matching tcp route without destinationSubnets ends the list. */
    private RouteOutcome tcpRoute(List<CompiledVirtualService> vss, ProxyContext ctx, List<String> destinationIps,
                                  boolean sidecar) {
        List<String> misses = new ArrayList<>();
        for (CompiledVirtualService vs : vss) {
            for (CompiledVirtualService.L4Rule rule : vs.tcp()) {
                if (rule.matches().isEmpty()) {
                    Optional<WeightedChoice> choice = WeightedChoice.choose(rule.destinations());
                    if (choice.isPresent()) {
                        return routed(vs, "tcp[" + rule.index() + "]", choice.get(), "no match conditions");
                    }
                    continue;
                }
                for (L4Match m : rule.matches()) {
                    Optional<String> miss = m.staticMismatch(ctx);
                    if (miss.isEmpty() && !m.subnetsMatch(destinationIps, ctx)) {
                        miss = Optional.of("destinationSubnets " + m.destinationSubnets() + " do not match "
                                + destinationIps);
                    }
                    if (miss.isPresent()) {
                        misses.add(vs.label() + " tcp[" + rule.index() + "]: " + miss.get());
                        continue;
                    }
                    Optional<WeightedChoice> choice = WeightedChoice.choose(rule.destinations());
                    if (choice.isPresent()) {
                        return routed(vs, "tcp[" + rule.index() + "]", choice.get(), "match holds");
                    }
                }
            }
        }
        if (sidecar || vss.isEmpty()) {
            return new RouteOutcome.NoVirtualService(misses.isEmpty() ? "no tcp route applies"
                    : "no tcp route applies: " + String.join("; ", misses));
        }
        CompiledVirtualService first = vss.get(0);
        return new RouteOutcome.Unmatched(Optional.of(first.resource().key()), first.resource().origin(),
                "no tcp route matches: " + String.join("; ", misses), false);
    }

    // ---------------------------------------------------------------- destination rules

    /**
     * The DestinationRule for {@code target} as seen by a proxy in {@code clientNamespace}. Istio's lookup: "the
     * client namespace, then the service's namespace, then the root namespace"; within a namespace the most
     * specific host wins, and rules for the same host are merged (the first one's traffic policy, subsets in
     * order). A workloadSelector rule applies only to matching workloads of its own namespace.
     *
     * @param serviceNamespace the namespace of the ServiceEntry (or Kubernetes service) that defines the host
     * @param autoSni          SNI for SIMPLE/MUTUAL without {@code sni}: the HTTP authority, else the host
     */
    public UpstreamPolicy upstreamPolicy(String clientNamespace, Map<String, String> clientLabels, RouteTarget target,
                                         int port, Optional<String> serviceNamespace, String autoSni) {
        String host = target.host();
        MergedRules merged = mergedRules(clientNamespace, clientLabels, host, serviceNamespace);
        Supplier<List<Consideration>> considered = () -> mergeRules(clientNamespace, clientLabels, host,
                serviceNamespace).considered();
        if (merged.chosen().isEmpty()) {
            UpstreamTls tls = defaultTls(target, port);
            Optional<String> missing = target.subset().isEmpty() ? Optional.empty() : Optional.of(target.subset());
            return new UpstreamPolicy(Optional.empty(), tls, missing, "no DestinationRule for " + host + "; tls "
                    + tls.mode(), Origin.UNKNOWN, considered);
        }
        CompiledDestinationRule first = merged.chosen().get(0);
        Optional<Subset> subset = Optional.empty();
        CompiledDestinationRule decider = first;
        if (!target.subset().isEmpty()) {
            OwnedSubset owned = merged.subsets().get(target.subset());
            if (owned == null) {
                return new UpstreamPolicy(Optional.of(first.resource().key()), UpstreamTls.NONE,
                        Optional.of(target.subset()), first.resource().key() + " defines no subset " + target.subset()
                        + " (Envoy has no cluster for it: 503)", first.resource().origin(), considered);
            }
            subset = Optional.of(owned.subset());
            decider = owned.owner();
        }
        CompiledDestinationRule.TlsLevel level = CompiledDestinationRule.effectiveTls(merged.top(), subset, port);
        UpstreamTls tls = level.tls().map(t -> toUpstream(t, target, port, autoSni)).orElseGet(() -> defaultTls(target, port));
        return new UpstreamPolicy(Optional.of(decider.resource().key()), tls, Optional.empty(),
                decider.resource().key() + " " + level.level() + ": tls " + tls.mode()
                        + tls.sni().map(s -> " sni " + s).orElse(""), decider.resource().origin(), considered);
    }

    /**
     * The merged DestinationRules for one (client, host, service namespace), computed once: the tutorial's one rule
     * per external host, all for the egress gateway's host, would otherwise be re-merged (with an explanation per
     * rule) on every request. The client's labels are part of the key only when some rule has a workloadSelector.
     * Bounded, since a wildcard ServiceEntry lets requests name any host.
     */
    private MergedRules mergedRules(String clientNamespace, Map<String, String> clientLabels, String host,
                                    Optional<String> serviceNamespace) {
        MergeKey key = new MergeKey(clientNamespace, anyDrSelector ? clientLabels : Map.of(), host, serviceNamespace);
        MergedRules cached = mergedCache.get(key);
        if (cached != null) {
            return cached;
        }
        MergedRules fresh = mergeRules(clientNamespace, clientLabels, host, serviceNamespace);
        // Many clients share one merge (a namespace each): keep one copy of it, found by the rules it merges.
        MergedRules computed = mergedByRules.computeIfAbsent(fresh.chosen().stream()
                .map(CompiledDestinationRule::order).toList(), k -> fresh.withoutConsiderations());
        if (mergedCache.size() < MERGED_CACHE_LIMIT) {
            mergedCache.putIfAbsent(new MergeKey(clientNamespace, Map.copyOf(key.clientLabels()), host,
                    serviceNamespace), computed);
        }
        return computed;
    }

    private MergedRules mergeRules(String clientNamespace, Map<String, String> clientLabels, String host,
                                   Optional<String> serviceNamespace) {
        List<Consideration> considered = new ArrayList<>();
        List<String> order = new ArrayList<>();
        order.add(clientNamespace);
        serviceNamespace.filter(ns -> !order.contains(ns)).ifPresent(order::add);
        if (!order.contains(mesh.rootNamespace())) {
            order.add(mesh.rootNamespace());
        }
        List<CompiledDestinationRule> chosen = List.of();
        for (String ns : order) {
            HostIndex<CompiledDestinationRule> idx = drByNamespace.get(ns);
            if (idx == null) {
                continue;
            }
            String bestPattern = null;
            List<CompiledDestinationRule> selected = new ArrayList<>();
            List<CompiledDestinationRule> plain = new ArrayList<>();
            for (var hit : idx.lookup(host)) {
                CompiledDestinationRule dr = hit.value();
                if (!dr.visibleFrom(clientNamespace)) {
                    considered.add(dr(dr, false, "not exported to namespace " + clientNamespace + " (exportTo "
                            + dr.exportTo() + ")"));
                    continue;
                }
                if (dr.hasSelector() && (!ns.equals(clientNamespace) || !dr.workloadSelector().matches(
                        clientLabels))) {
                    considered.add(dr(dr, false, "its workloadSelector " + dr.workloadSelector()
                            + " does not select the client workload"));
                    continue;
                }
                if (bestPattern != null && !bestPattern.equals(hit.pattern())) {
                    considered.add(dr(dr, false, "host " + hit.pattern() + " is less specific than " + bestPattern));
                    continue;
                }
                bestPattern = hit.pattern();
                (dr.hasSelector() ? selected : plain).add(dr);
            }
            if (bestPattern != null) {
                List<CompiledDestinationRule> merged = new ArrayList<>(selected);
                merged.addAll(plain);
                chosen = merged;
                for (CompiledDestinationRule dr : merged) {
                    considered.add(dr(dr, true, "host " + dr.host() + " matches " + host + " and namespace " + ns
                            + " comes first in the lookup (client " + clientNamespace + ", service "
                            + serviceNamespace.orElse("-") + ", root " + mesh.rootNamespace() + ")"
                            + (merged.size() > 1 ? "; the " + merged.size() + " rules for this host in " + ns
                            + " are merged (the first traffic policy, every subset)" : "")));
                }
                break;
            }
        }
        // Merged rules: the first one with a top-level traffic policy provides it; subsets merge in order (the
        // first rule defining a name owns it).
        var top = chosen.stream().map(d -> d.dr().getTrafficPolicy()).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null);
        Map<String, OwnedSubset> subsets = new HashMap<>();
        for (CompiledDestinationRule d : chosen) {
            for (Subset s : d.dr().getSubsets() == null ? List.<Subset>of() : d.dr().getSubsets()) {
                if (s != null && s.getName() != null) {
                    subsets.putIfAbsent(s.getName(), new OwnedSubset(s, d));
                }
            }
        }
        return new MergedRules(List.copyOf(chosen), List.copyOf(considered), top, Map.copyOf(subsets));
    }

    private record MergeKey(String clientNamespace, Map<String, String> clientLabels, String host,
                            Optional<String> serviceNamespace) {
    }

    private record OwnedSubset(Subset subset, CompiledDestinationRule owner) {
    }

    /**
     * {@code top} may be null: no merged rule has a top-level traffic policy. The cached values keep no
     * considerations: their sentences name the client's namespace, so they would be kept once per namespace.
     */
    private record MergedRules(List<CompiledDestinationRule> chosen, List<Consideration> considered,
                               io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy top,
                               Map<String, OwnedSubset> subsets) {
        MergedRules withoutConsiderations() {
            return new MergedRules(chosen, List.of(), top, subsets);
        }
    }

    private Consideration dr(CompiledDestinationRule dr, boolean applied, String why) {
        return new Consideration(Stage.UPSTREAM, dr.resource().key(), applied, why, dr.resource().origin());
    }

    /**
     * Without DestinationRule TLS the bytes go as they are. Istio's auto mTLS applies only to endpoints labelled
     * as sidecar-injected, which the egress gateway's pods are not: istio.io's "Egress Gateways" HTTP example sends
     * plain HTTP to the gateway's port 80 with a DestinationRule that sets no TLS.
     */
    private static UpstreamTls defaultTls(RouteTarget target, int port) {
        return UpstreamTls.NONE;
    }

    /** Istio's ISTIO_MUTUAL SNI when the rule gives none: {@code outbound_.<port>_.<subset>_.<host>}. */
    private static String clusterSni(RouteTarget target, int port) {
        return "outbound_." + port + "_." + target.subset() + "_." + target.host();
    }

    private static UpstreamTls toUpstream(ClientTLSSettings t, RouteTarget target, int port, String autoSni) {
        TlsMode mode = t.getMode() == null ? TlsMode.DISABLE : TlsMode.valueOf(t.getMode().name());
        Optional<String> sni = Optional.ofNullable(t.getSni()).filter(s -> !s.isEmpty());
        if (sni.isEmpty()) {
            sni = switch (mode) {
                case DISABLE -> Optional.empty();
                // "If unspecified, SNI will be automatically set based on downstream HTTP host/authority header
                // for SIMPLE and MUTUAL TLS modes."
                case SIMPLE, MUTUAL -> Optional.of(autoSni);
                case ISTIO_MUTUAL -> Optional.of(clusterSni(target, port));
            };
        }
        return new UpstreamTls(mode, sni, t.getSubjectAltNames() == null ? List.of() : t.getSubjectAltNames(),
                Optional.ofNullable(t.getCaCertificates()).filter(s -> !s.isEmpty()));
    }

    // ---------------------------------------------------------------- gateways

    /** The servers of every Gateway whose selector matches {@code gateway}'s labels, in Gateway order. */
    public List<GatewayServer> servers(WorkloadRef gateway) {
        return serversByLabels.computeIfAbsent(gateway.labels(), labels -> {
            List<GatewayServer> out = new ArrayList<>();
            for (CompiledGateway g : gateways) {
                if (g.selects(labels)) {
                    out.addAll(g.servers());
                }
            }
            return List.copyOf(out);
        });
    }

    /** Every Gateway's servers (those with a port), in Gateway order, whichever workloads they select: for analyze. */
    public List<GatewayServer> allServers() {
        return gateways.stream().flatMap(g -> g.servers().stream()).toList();
    }

    /**
     * True when some Gateway's selector names a workload with these labels. A Gateway without a selector applies to
     * every gateway workload but makes no workload a gateway, so it does not count here.
     */
    public boolean selectedByAnyGateway(Map<String, String> labels) {
        return gateways.stream().anyMatch(g -> !g.selector().isEmpty() && g.selects(labels));
    }

    /** Servers merged by port, as Istio's mergeGateways keeps them ({@link GatewayPortMerge}). */
    public List<GatewayListener> listeners(WorkloadRef gateway) {
        Map<Integer, List<GatewayServer>> byPort = new LinkedHashMap<>();
        for (GatewayServer s : servers(gateway)) {
            byPort.computeIfAbsent(s.port(), k -> new ArrayList<>()).add(s);
        }
        List<GatewayListener> out = new ArrayList<>();
        for (var e : byPort.entrySet()) {
            List<String> hosts = new ArrayList<>();
            List<dev.tollgate.core.model.ResourceKey> keys = new ArrayList<>();
            List<GatewayServerKind> kinds = new ArrayList<>();
            List<GatewayServer> kept = GatewayPortMerge.kept(e.getValue());
            for (GatewayServer s : kept) {
                s.hosts().forEach(h -> {
                    if (!hosts.contains(h.toString())) {
                        hosts.add(h.toString());
                    }
                });
                if (!keys.contains(s.gateway())) {
                    keys.add(s.gateway());
                }
                if (!kinds.contains(s.kind())) {
                    kinds.add(s.kind());
                }
            }
            out.add(new GatewayListener(e.getKey(), kept.get(0).kind(), hosts, keys, kinds));
        }
        return List.copyOf(out);
    }

    /**
     * The server that takes a connection, as Envoy picks the listener's filter chain and then the virtual host: a
     * TLS server by SNI (exact host first, then the longest wildcard, "*" last; Envoy's server_names); else the
     * port's plain servers (their chains have no server_names, so they take a connection whose SNI no TLS server
     * names, or which has none), TCP by port and HTTP by Host; a port with only TLS servers takes a connection
     * without SNI only on a "*" server.
     */
    public ServerSelection selectServer(WorkloadRef gateway, int port, Optional<String> sni,
                                        Optional<String> authorityHost) {
        PortServers index = portServers(gateway, port);
        if (index.tls().servers().isEmpty() && index.plain().servers().isEmpty()) {
            return new ServerSelection.NoServer("no Gateway selecting " + gateway.namespace() + " workload "
                    + gateway.labels() + " has a server on port " + port);
        }
        Optional<GatewayServer> bySni = sniChain(index, sni);
        if (bySni.isPresent()) {
            return new ServerSelection.Selected(bySni.get(), bySni.get().label() + " matches SNI "
                    + sni.orElse("(none)"));
        }
        List<GatewayServer> plain = index.plain().servers();
        if (plain.isEmpty()) {
            return new ServerSelection.NoServer("no server on port " + port + " has a host matching SNI "
                    + sni.orElse("(none)") + " (hosts " + index.tls().servers().stream()
                    .flatMap(s -> s.hosts().stream()).map(Object::toString).toList() + ")");
        }
        if (!plain.get(0).kind().readsHttp()) {
            return new ServerSelection.Selected(plain.get(0), plain.get(0).label() + " takes port " + port);
        }
        GatewayServer best = index.plain().best(authorityHost.map(HostName::fold)).orElse(null);
        if (best == null) {
            return new ServerSelection.NoServer("no server on port " + port + " has a host matching host "
                    + authorityHost.orElse("(none)") + " (hosts " + plain.stream().flatMap(s -> s.hosts().stream())
                    .map(Object::toString).toList() + ")");
        }
        return new ServerSelection.Selected(best, best.label() + " matches host " + authorityHost.orElse("(none)"));
    }

    /**
     * The kind of server whose filter chain takes a connection on {@code port} with this SNI (empty: no ClientHello,
     * or one without SNI): the first step of {@link #selectServer}, all a proxy needs to know before it reads HTTP.
     */
    public Optional<GatewayServerKind> connectionKind(WorkloadRef gateway, int port, Optional<String> sni) {
        PortServers index = portServers(gateway, port);
        return sniChain(index, sni).map(GatewayServer::kind)
                .or(() -> index.plain().servers().stream().findFirst().map(GatewayServer::kind));
    }

    /** The TLS server whose chain Envoy picks by SNI; empty for the plain chain (or none). */
    private static Optional<GatewayServer> sniChain(PortServers index, Optional<String> sni) {
        if (sni.isEmpty() && !index.plain().servers().isEmpty()) {
            return Optional.empty();
        }
        return index.tls().best(sni.map(HostName::fold));
    }

    private PortServers portServers(WorkloadRef gateway, int port) {
        return serversOnPort.computeIfAbsent(new LabelsPort(gateway.labels(), port),
                k -> PortServers.of(servers(gateway), port));
    }

    /** The servers kept on one port, split into the SNI-matched (TLS) ones and the plain ones, each indexed. */
    private record PortServers(ServersOnPort tls, ServersOnPort plain) {
        static PortServers of(List<GatewayServer> all, int port) {
            List<GatewayServer> kept = GatewayPortMerge.kept(all.stream().filter(s -> s.port() == port).toList());
            return new PortServers(ServersOnPort.of(kept.stream().filter(s -> s.kind().selectsBySni()).toList()),
                    ServersOnPort.of(kept.stream().filter(s -> !s.kind().selectsBySni()).toList()));
        }
    }

    private record LabelsPort(Map<String, String> labels, int port) {
    }

    /** A server host as a candidate: the best is the highest score, and among equal scores the first written. */
    private record ServerCandidate(GatewayServer server, int score, int ordinal) {
        boolean beats(ServerCandidate other) {
            return other == null || score > other.score || score == other.score && ordinal < other.ordinal;
        }
    }

    /**
     * Servers of one port of one gateway workload that are matched alike (the TLS ones by SNI, or the plain ones
     * by Host), with their hosts indexed so that a connection's SNI or Host is a few map probes instead of a scan
     * of every server: exact names, "*.suffix" wildcards and "*", all normalised once. The answer is the one the
     * scan gives (highest {@link #hostScore}, first written on ties); names the index cannot hold exactly (other
     * wildcard shapes) and keys it would answer differently (wildcards, over-long names) fall back to the scan.
     */
    private record ServersOnPort(List<GatewayServer> servers, boolean scanOnly, Map<String, ServerCandidate> exact,
                                 Map<String, ServerCandidate> wildcards, ServerCandidate star) {
        static ServersOnPort of(List<GatewayServer> onPort) {
            Map<String, ServerCandidate> exact = new HashMap<>();
            Map<String, ServerCandidate> wildcards = new HashMap<>();
            ServerCandidate star = null;
            boolean scanOnly = false;
            int ordinal = 0;
            for (GatewayServer s : onPort) {
                for (GatewayServer.ServerHost h : s.hosts()) {
                    String written = h.dnsName();
                    int at = ordinal++;
                    if (written.equals("*")) {
                        ServerCandidate c = new ServerCandidate(s, 0, at);
                        star = c.beats(star) ? c : star;
                        continue;
                    }
                    String name = HostName.fold(written);
                    if (!HostName.isWildcard(name)) {
                        exact.merge(name, new ServerCandidate(s, Integer.MAX_VALUE, at), (a, b) -> b.beats(a) ? b : a);
                    } else if (name.length() > 2 && name.charAt(1) == '.' && name.indexOf('*', 1) < 0) {
                        wildcards.merge(name, new ServerCandidate(s, written.length(), at), (a, b) -> b.beats(a) ? b : a);
                    } else {
                        scanOnly = true;
                    }
                }
            }
            return new ServersOnPort(List.copyOf(onPort), scanOnly, Map.copyOf(exact), Map.copyOf(wildcards), star);
        }

        /** The server whose host matches {@code key} (normalised) best; a missing key matches only "*". */
        Optional<GatewayServer> best(Optional<String> key) {
            if (scanOnly || key.isPresent() && (HostName.isWildcard(key.get()) || key.get().length() > HostName.MAX_LENGTH)) {
                return scan(key);
            }
            ServerCandidate best = star;
            if (key.isPresent()) {
                String host = key.get();
                ServerCandidate c = exact.get(host);
                if (c != null && c.beats(best)) {
                    best = c;
                }
                for (int i = host.indexOf('.'); i >= 0 && !wildcards.isEmpty(); i = host.indexOf('.', i + 1)) {
                    c = wildcards.get("*" + host.substring(i));
                    if (c != null && c.beats(best)) {
                        best = c;
                    }
                }
            }
            return Optional.ofNullable(best).map(ServerCandidate::server);
        }

        private Optional<GatewayServer> scan(Optional<String> key) {
            GatewayServer best = null;
            int bestScore = -1;
            for (GatewayServer s : servers) {
                for (GatewayServer.ServerHost h : s.hosts()) {
                    int score = hostScore(h.dnsName(), key);
                    if (score > bestScore) {
                        best = s;
                        bestScore = score;
                    }
                }
            }
            return Optional.ofNullable(best);
        }
    }

    /** -1: no match; 0: "*"; wildcard: its length; exact: max. A missing SNI/host matches only "*". */
    private static int hostScore(String pattern, Optional<String> host) {
        if (pattern.equals("*")) {
            return 0;
        }
        if (host.isEmpty() || !HostPattern.matches(pattern, host.get())) {
            return -1;
        }
        return HostName.isWildcard(pattern) ? pattern.length() : Integer.MAX_VALUE;
    }

    /**
     * Routing at the gateway with the VirtualServices bound to the server's Gateway, exported to the gateway's
     * namespace, whose hosts overlap the server's hosts (respecting a server host's {@code namespace/} part).
     */
    public RouteOutcome gatewayRoute(WorkloadRef gateway, GatewayServer server, Optional<String> sni,
                                     Optional<HttpRequestInfo> http) {
        ProxyContext ctx = gatewayContext(gateway, server);
        List<CompiledVirtualService> bound = boundTo(gateway, server);
        if (server.kind().routes() == RouteKind.HTTP) {
            if (http.isEmpty()) {
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), server.label()
                        + " reads HTTP but the connection carried none", false);
            }
            String reqHost = Authority.hostOf(http.get().authority());
            if (server.hosts().stream().noneMatch(h -> HostPattern.matches(h.dnsName(), reqHost))) {
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "host " + reqHost
                        + " is not among the hosts of " + server.label() + " (Envoy answers 404 NR)", false);
            }
            GatewayVirtualHosts vhosts = gatewayVirtualHosts(gateway, server, bound, ctx);
            List<List<CompiledVirtualService>> groups = vhosts.choose(reqHost).map(d -> List.of(vhosts.owners(d)))
                    .orElse(List.of());
            RouteOutcome out = httpRoute(groups, true, ctx, http.get(), server.kind().isHttpsServerWithTlsTermination() ? "https" : "http");
            if (out instanceof RouteOutcome.NoVirtualService nv) {
                List<String> silent = bound.stream().filter(vs -> GatewayVirtualHosts.intersection(server, vs)
                                .stream().anyMatch(d -> HostPattern.matches(d, reqHost)) && staticHttp(vs, ctx).isEmpty())
                        .map(vs -> vs.label() + " has no http route for this proxy").toList();
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no VirtualService bound to "
                        + server.gatewayName() + " routes host " + reqHost + " (Envoy answers 404 NR): "
                        + (silent.isEmpty() ? nv.detail() : String.join("; ", silent)), false);
            }
            return out;
        }
        if (server.kind().routes() == RouteKind.TLS) {
            List<CompiledVirtualService> forSni = sni.map(s -> bound.stream()
                    .filter(vs -> vs.hosts().stream().anyMatch(h -> HostPattern.matches(h, HostName.fold(s)))
                            && admitsHost(server, vs, HostName.fold(s))).toList())
                    .orElse(List.of());
            RouteOutcome out = tlsRoute(forSni, ctx, sni, List.of(), false);
            if (out instanceof RouteOutcome.NoVirtualService nv) {
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no tls route bound to "
                        + server.gatewayName() + " for SNI " + sni.orElse("(none)") + ": " + nv.detail(), false);
            }
            return out;
        }
        RouteOutcome out = tcpRoute(bound, ctx, List.of(), false);
        if (out instanceof RouteOutcome.NoVirtualService nv) {
            return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no tcp route bound to "
                    + server.gatewayName() + " on port " + server.port() + ": " + nv.detail(), false);
        }
        return out;
    }

    /**
     * The VirtualServices bound to the server's Gateway, exported to the gateway's namespace, with a host that
     * overlaps a server host admitting their namespace, in Istio's order (VirtualServicesForGateway).
     */
    private List<CompiledVirtualService> boundTo(WorkloadRef gateway, GatewayServer server) {
        List<CompiledVirtualService> bound = new ArrayList<>();
        for (CompiledVirtualService vs : vsListByGateway.getOrDefault(server.gatewayName(), List.of())) {
            if (vs.visibleFrom(gateway.namespace()) && admits(server, vs)) {
                bound.add(vs);
            }
        }
        bound.sort(precedence(gateway.namespace()));
        return bound;
    }

    private final Map<GatewayVhKey, GatewayVirtualHosts> gatewayVirtualHosts = new ConcurrentHashMap<>();

    private record GatewayVhKey(GatewayServer server, String namespace, Map<String, String> labels) {
    }

    /** The virtual hosts of one server, computed once per server and gateway workload. */
    private GatewayVirtualHosts gatewayVirtualHosts(WorkloadRef gateway, GatewayServer server,
                                                    List<CompiledVirtualService> bound, ProxyContext ctx) {
        GatewayVhKey key = new GatewayVhKey(server, gateway.namespace(), gateway.labels());
        GatewayVirtualHosts cached = gatewayVirtualHosts.get(key);
        if (cached != null) {
            return cached;
        }
        GatewayVirtualHosts built = sharesRouteConfig(server)
                ? GatewayVirtualHosts.merge(portServers(gateway, server.port()).plain().servers().stream()
                        .map(s -> GatewayVirtualHosts.build(s, boundTo(gateway, s), vs -> !staticHttp(vs, ctx).isEmpty()))
                        .toList())
                : GatewayVirtualHosts.build(server, bound, vs -> !staticHttp(vs, ctx).isEmpty());
        if (gatewayVirtualHosts.size() < VIRTUAL_HOSTS_CACHE_LIMIT) {
            gatewayVirtualHosts.putIfAbsent(key, built);
        }
        return built;
    }

    /** For one requested host: a server host covering it must admit the VirtualService's namespace. */
    private static boolean admitsHost(GatewayServer server, CompiledVirtualService vs, String host) {
        for (GatewayServer.ServerHost sh : server.hosts()) {
            if (sh.admitsNamespace(vs.resource().namespace()) && HostPattern.matches(sh.dnsName(), host)) {
                return true;
            }
        }
        return false;
    }

    /** A VirtualService binds to a server when one of its hosts overlaps a server host that admits its namespace. */
    private static boolean admits(GatewayServer server, CompiledVirtualService vs) {
        for (GatewayServer.ServerHost sh : server.hosts()) {
            if (!sh.admitsNamespace(vs.resource().namespace())) {
                continue;
            }
            for (String h : vs.hosts()) {
                if (HostPattern.overlaps(sh.dnsName(), h)) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- explain

    /**
     * Every VirtualService naming {@code host}, and whether it applies at {@code from}'s sidecar and why; for HTTP,
     * which VirtualService owns the virtual host Envoy picks, and why another overlapping one does not apply.
     */
    public List<Consideration> explainMesh(WorkloadRef from, SidecarScope scope, String host, int port, boolean http,
                                           Optional<RouteOutcome> outcome) {
        String h = HostName.fold(host);
        Optional<Resource<Sidecar>> sidecar = scope.sidecar();
        SidecarImports imports = SidecarImports.of(sidecar, from.namespace(), port);
        ProxyContext ctx = new ProxyContext(Set.of(GatewayNames.MESH), from.labels(), from.namespace(), port,
                false);
        SidecarVirtualHosts table = http ? virtualHosts(scope, port) : null;
        Optional<SidecarVirtualHosts.Choice> choice = table == null ? Optional.empty()
                : table.choose(h, vs -> !staticHttp(vs, ctx).isEmpty());
        List<Consideration> out = new ArrayList<>();
        Optional<dev.tollgate.core.model.ResourceKey> used = outcome.flatMap(o -> switch (o) {
            case RouteOutcome.Routed r -> Optional.of(r.virtualService());
            case RouteOutcome.Unmatched u -> u.virtualService();
            case RouteOutcome.NoVirtualService n -> Optional.empty();
        });
        Set<Object> seen = new java.util.HashSet<>();
        for (var hit : vsByHost.lookup(h)) {
            CompiledVirtualService vs = hit.value();
            if (!seen.add(vs.resource().key())) {
                continue;
            }
            String why;
            boolean applied = used.isPresent() && used.get().equals(vs.resource().key());
            if (!vs.gateways().contains(GatewayNames.MESH)) {
                why = "bound to gateways " + vs.gateways() + ", not mesh: it never applies to sidecars";
            } else if (!vs.visibleFrom(from.namespace())) {
                why = "not exported to namespace " + from.namespace() + " (exportTo " + vs.exportTo() + ")";
            } else if (!imports.imports(vs)) {
                why = "not imported by the egress hosts " + imports.hosts().orElse(List.of()) + " of "
                        + sidecar.map(r -> r.key().toString()).orElse("the Sidecar");
            } else if (applied) {
                why = "host " + hit.pattern() + " matches " + h + "; its routes decided"
                        + choice.map(c -> " (it owns the virtual host " + c.domain() + " on port " + port + ": "
                        + (c.owner() instanceof SidecarVirtualHosts.ByVirtualService v ? v.why() : "") + ")")
                        .orElse("");
            } else if (table != null) {
                why = "host " + hit.pattern() + " matches " + h + ", but " + notOwner(table, choice, vs, ctx, port);
            } else {
                why = "host " + hit.pattern() + " matches " + h + ", but another VirtualService for the host came "
                        + "first, or none of its routes applies to this proxy (Istio uses one VirtualService per host "
                        + "at sidecars)";
            }
            out.add(new Consideration(Stage.ROUTE, vs.resource().key(), applied, why, vs.resource().origin()));
        }
        return out;
    }

    /** Why {@code vs} does not route an HTTP request whose virtual host is {@code choice} (route.go, httproute.go). */
    private static String notOwner(SidecarVirtualHosts table, Optional<SidecarVirtualHosts.Choice> choice,
                                   CompiledVirtualService vs, ProxyContext ctx, int port) {
        Optional<String> silent = table.silentReason(vs);
        if (silent.isPresent()) {
            return "it builds no virtual host on port " + port + ": " + silent.get();
        }
        if (staticHttp(vs, ctx).isEmpty()) {
            return "none of its http routes applies to this proxy, so it builds no virtual host";
        }
        if (choice.isEmpty()) {
            return "it builds no virtual host that matches the request on port " + port;
        }
        SidecarVirtualHosts.Choice c = choice.get();
        String picked = "Envoy picks the virtual host " + c.domain() + ", built by " + c.describe();
        for (SidecarVirtualHosts.Owner o : table.owners(c.domain())) {
            if (o instanceof SidecarVirtualHosts.ByVirtualService v && v.vs() == vs) {
                return picked + ", which came first for that domain (Istio uses one VirtualService per host at "
                        + "sidecars: creation order, own namespace first; istioctl IST0109)";
            }
        }
        String service = c.owner() instanceof SidecarVirtualHosts.ByService s ? s.service()
                : c.domain();
        Optional<CompiledVirtualService> mostSpecific = table.mostSpecificFor(service);
        if (mostSpecific.isPresent() && mostSpecific.get() != vs && vs.hosts().stream()
                .anyMatch(vh -> HostName.isWildcard(vh) && HostPattern.overlaps(vh, service))) {
            return picked + "; its wildcard host does not claim service " + service + ", whose most specific "
                    + "VirtualService host belongs to " + mostSpecific.get().label() + " (sidecar.go "
                    + "computeWildcardHostVirtualServiceIndex: the longest host, and of VirtualServices with the same "
                    + "host the first by creation time, then name)";
        }
        return picked + "; its own virtual hosts on port " + port + " are less specific for this host";
    }

    /** Every VirtualService naming {@code host}, and whether it routes at {@code server} of the gateway and why. */
    public List<Consideration> explainGatewayRoute(WorkloadRef gateway, GatewayServer server, String host,
                                                   Optional<RouteOutcome> outcome) {
        String h = HostName.fold(host);
        Optional<dev.tollgate.core.model.ResourceKey> used = outcome.flatMap(o -> o instanceof RouteOutcome.Routed r
                ? Optional.of(r.virtualService()) : Optional.empty());
        List<Consideration> out = new ArrayList<>();
        Set<Object> seen = new java.util.HashSet<>();
        for (var hit : vsByHost.lookup(h)) {
            CompiledVirtualService vs = hit.value();
            if (!seen.add(vs.resource().key())) {
                continue;
            }
            boolean applied = used.isPresent() && used.get().equals(vs.resource().key());
            String why;
            if (!vs.gateways().contains(server.gatewayName())) {
                why = "bound to " + vs.gateways() + ", not to " + server.gatewayName() + ", the Gateway whose server "
                        + "took the connection";
            } else if (!vs.visibleFrom(gateway.namespace())) {
                why = "not exported to the gateway's namespace " + gateway.namespace() + " (exportTo "
                        + vs.exportTo() + ")";
            } else if (!admits(server, vs)) {
                why = "its hosts " + vs.hosts() + " do not overlap the server hosts " + server.hosts()
                        + " that admit namespace " + vs.resource().namespace();
            } else if (applied) {
                why = "bound to " + server.gatewayName() + " with host " + hit.pattern() + "; its route decided";
            } else if (server.kind().routes() == RouteKind.HTTP && !vhostOwners(gateway, server, h).contains(vs)) {
                why = "bound to " + server.gatewayName() + " with host " + hit.pattern() + ", but "
                        + notGatewayOwner(gateway, server, vs, h);
            } else {
                why = "bound to " + server.gatewayName() + " with host " + hit.pattern() + ", but none of its routes "
                        + "matched first";
            }
            out.add(new Consideration(Stage.ROUTE, vs.resource().key(), applied, why, vs.resource().origin()));
        }
        return out;
    }

    /** The VirtualServices whose routes make up the virtual host Envoy picks for {@code host} at {@code server}. */
    private List<CompiledVirtualService> vhostOwners(WorkloadRef gateway, GatewayServer server, String host) {
        GatewayVirtualHosts vhosts = gatewayVirtualHosts(gateway, server, boundTo(gateway, server),
                gatewayContext(gateway, server));
        return vhosts.choose(host).map(vhosts::owners).orElse(List.of());
    }

    /** Why {@code vs}, bound to the server, does not route {@code host} there (gateway.go buildGatewayHTTPRouteConfig). */
    private String notGatewayOwner(WorkloadRef gateway, GatewayServer server, CompiledVirtualService vs, String host) {
        if (staticHttp(vs, gatewayContext(gateway, server)).isEmpty()) {
            return "none of its http routes applies to this gateway, so it builds no virtual host";
        }
        GatewayVirtualHosts vhosts = gatewayVirtualHosts(gateway, server, boundTo(gateway, server),
                gatewayContext(gateway, server));
        List<String> own = GatewayVirtualHosts.intersection(server, vs);
        Optional<String> picked = vhosts.choose(host);
        return "its virtual hosts there are " + own + " (its hosts intersected with the server's)" + picked
                .map(d -> "; Envoy picks the more specific virtual host " + d + ", built by "
                        + vhosts.owners(d).stream().map(CompiledVirtualService::label).toList())
                .orElse("; none of them matches " + host);
    }

    /**
     * The proxy as a server's routes see it. The plain HTTP servers of a port share one route configuration, built
     * with each server's Gateway name; here the names of all of them are taken at once, which differs from Istio only
     * for a VirtualService bound to two of those Gateways whose matches name just one.
     */
    private ProxyContext gatewayContext(WorkloadRef gateway, GatewayServer server) {
        Set<String> names = sharesRouteConfig(server)
                ? portServers(gateway, server.port()).plain().servers().stream().map(GatewayServer::gatewayName)
                        .collect(java.util.stream.Collectors.toUnmodifiableSet())
                : Set.of(server.gatewayName());
        return new ProxyContext(names, gateway.labels(), gateway.namespace(), server.port(), true);
    }

    /** Plain HTTP servers: all of one port's share the RDS {@code http.<port>} (gateway.go gatewayRDSRouteName). */
    private static boolean sharesRouteConfig(GatewayServer server) {
        return server.kind().readsHttp() && !server.kind().selectsBySni();
    }

    /** Every Gateway, and whether it selects {@code gateway}. */
    public List<Consideration> explainGateways(WorkloadRef gateway) {
        List<Consideration> out = new ArrayList<>();
        for (CompiledGateway g : gateways) {
            boolean sel = g.selects(gateway.labels());
            out.add(new Consideration(Stage.SERVER, g.resource().key(), sel, sel ? "selector " + g.selector()
                    + " matches the gateway workload's labels" : "selector " + g.selector()
                    + " does not match the gateway workload's labels " + gateway.labels(), g.resource().origin()));
        }
        return out;
    }
}
