package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.HttpRequestInfo;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules of a list of VirtualServices matched against one request, as Istio turns them into Envoy routes
 * (route.go BuildHTTPRoutesForVirtualService, and the TLS and TCP filter chains): which route takes the request, or
 * why none does. Which VirtualServices take part is the caller's question ({@link SidecarRouter},
 * {@link GatewayRouter}).
 */
final class RouteRules {
    private RouteRules() {
    }

    /**
     * HTTP: Envoy picks the virtual host with the most specific domain; at sidecars the first VirtualService for a
     * host builds it (Istio does not merge them; istioctl reports IST0109), at gateways the routes of every
     * VirtualService for the host are merged in order. A VirtualService none of whose routes apply to this proxy
     * builds no virtual host. Within it, "The first rule matching an incoming request is used".
     */
    static RouteOutcome httpRoute(List<List<CompiledVirtualService>> groups, boolean merge, ProxyContext ctx,
                                   HttpRequestInfo http, String scheme, RouteTrace trace) {
        List<String> skipped = new ArrayList<>();
        for (List<CompiledVirtualService> group : groups) {
            List<CompiledVirtualService> owners = new ArrayList<>();
            List<Candidate> candidates = new ArrayList<>();
            for (CompiledVirtualService vs : group) {
                List<Candidate> own = staticHttp(vs, ctx);
                if (own.isEmpty()) {
                    skipped.add(vs.label() + " has no http route for this proxy");
                    trace.passed(vs, NO_HTTP_ROUTE);
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
                    return decided(trace, owners, c.vs, new RouteOutcome.Unmatched(Optional.of(c.vs.resource().key()),
                            c.vs.resource().originOf("spec.http[" + c.rule.index() + "]"), c.vs.label() + " " + route
                            + " answers with a redirect or direct response; Tollgate forwards nothing", false));
                }
                Optional<WeightedChoice> choice = WeightedChoice.choose(c.rule.destinations());
                if (choice.isEmpty()) {
                    return decided(trace, owners, c.vs, new RouteOutcome.Unmatched(Optional.of(c.vs.resource().key()),
                            c.vs.resource().originOf("spec.http[" + c.rule.index() + "]"),
                            c.vs.label() + " " + route + " has no destination with a weight", false));
                }
                String note = matchNote(c.match) + (c.rule.rewrite().describe().isEmpty() ? ""
                        : "; " + c.rule.rewrite().describe());
                return decided(trace, owners, c.vs, routed(c.vs, route, choice.get(), note,
                        Optional.of(c.rule.rewrite().apply(http, c.match))));
            }
            CompiledVirtualService first = owners.get(0);
            RouteOutcome none = new RouteOutcome.Unmatched(Optional.of(first.resource().key()),
                    first.resource().origin(), "no http route of " + owners.stream()
                    .map(CompiledVirtualService::label).toList() + " matches (Envoy answers 404 NR): "
                    + String.join("; ", misses), false);
            // every owner's routes were tried: together they answer 404
            owners.forEach(vs -> trace.applied(vs, verdict(none)));
            return none;
        }
        return new RouteOutcome.NoVirtualService(skipped.isEmpty() ? "no VirtualService for this host"
                : String.join("; ", skipped));
    }

    static final String NO_HTTP_ROUTE = "none of its http routes applies to this proxy, so it builds no virtual host";

    /**
     * Records {@code outcome} as {@code decider}'s, and says of the other VirtualServices tried beside it that
     * another route matched first.
     */
    private static RouteOutcome decided(RouteTrace trace, List<CompiledVirtualService> tried,
                                        CompiledVirtualService decider, RouteOutcome outcome) {
        if (trace.on()) {
            trace.applied(decider, verdict(outcome));
            for (CompiledVirtualService vs : tried) {
                trace.passed(vs, "none of its routes matched first");
            }
        }
        return outcome;
    }

    /** What a deciding VirtualService did, as explain says it: the route and where it goes, or why nothing. */
    static String verdict(RouteOutcome outcome) {
        return switch (outcome) {
            case RouteOutcome.Routed r -> "its route " + r.route() + " decided: to " + r.target().describe();
            case RouteOutcome.Unmatched u -> "its routes decided: " + u.detail();
            case RouteOutcome.NoVirtualService n -> "no VirtualService decided: " + n.detail();
        };
    }

    record Candidate(CompiledVirtualService vs, CompiledVirtualService.HttpRule rule, HttpMatch match) {
        boolean catchAll() {
            return match == null || match.catchAll();
        }
    }

    /** Istio's BuildHTTPRoutesForVirtualService: the (rule, match) pairs that survive the static checks. */
    static List<Candidate> staticHttp(CompiledVirtualService vs, ProxyContext ctx) {
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
    static RouteOutcome tlsRoute(List<CompiledVirtualService> vss, ProxyContext ctx, Optional<String> sni,
                                  List<String> destinationIps, boolean sidecar, RouteTrace trace) {
        boolean any = false;
        List<CompiledVirtualService> owners = new ArrayList<>();
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
                    if (!owners.contains(vs)) {
                        owners.add(vs);
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
                        return decided(trace, vss, vs, r);
                    }
                    if (wildcardHit == null) {
                        wildcardHit = r;
                    }
                }
            }
        }
        if (wildcardHit != null) {
            // its VirtualService is the one whose key the outcome names
            for (CompiledVirtualService vs : owners) {
                if (vs.resource().key().equals(wildcardHit.virtualService())) {
                    return decided(trace, vss, vs, wildcardHit);
                }
            }
            throw new IllegalStateException("a tls route matched outside the VirtualServices tried");
        }
        if (trace.on()) {
            for (CompiledVirtualService vs : vss) {
                if (!owners.contains(vs)) {
                    trace.passed(vs, vs.tls().isEmpty() ? "it has no tls routes"
                            : "none of its tls routes applies to this proxy");
                }
            }
        }
        if (!any) {
            return new RouteOutcome.NoVirtualService(vss.isEmpty() ? "no VirtualService for this host"
                    : "no tls route of " + vss.stream().map(CompiledVirtualService::label).toList()
                    + " applies to this proxy");
        }
        RouteOutcome none = new RouteOutcome.Unmatched(Optional.of(firstOwner.resource().key()),
                firstOwner.resource().origin(), "no tls route matches SNI " + sni.orElse("(none)") + ": "
                + String.join("; ", misses), sidecar);
        // every VirtualService with a filter chain here was tried: together they leave the SNI unmatched
        owners.forEach(vs -> trace.applied(vs, verdict(none)));
        return none;
    }

    /** TCP: the first statically matching tcp route without destinationSubnets ends the list. */
    static RouteOutcome tcpRoute(List<CompiledVirtualService> vss, ProxyContext ctx, List<String> destinationIps,
                                  boolean sidecar, RouteTrace trace) {
        List<String> misses = new ArrayList<>();
        for (CompiledVirtualService vs : vss) {
            for (CompiledVirtualService.L4Rule rule : vs.tcp()) {
                if (rule.matches().isEmpty()) {
                    Optional<WeightedChoice> choice = WeightedChoice.choose(rule.destinations());
                    if (choice.isPresent()) {
                        return decided(trace, vss, vs, routed(vs, "tcp[" + rule.index() + "]", choice.get(),
                                "no match conditions"));
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
                        return decided(trace, vss, vs, routed(vs, "tcp[" + rule.index() + "]", choice.get(),
                                "match holds"));
                    }
                }
            }
        }
        if (sidecar || vss.isEmpty()) {
            RouteOutcome none = new RouteOutcome.NoVirtualService(misses.isEmpty() ? "no tcp route applies"
                    : "no tcp route applies: " + String.join("; ", misses));
            vss.forEach(vs -> trace.passed(vs, vs.tcp().isEmpty() ? "it has no tcp routes"
                    : "none of its tcp routes applies, so the default route to the service decides"));
            return none;
        }
        // a gateway server's tcp filter chains are its bound VirtualServices' tcp routes: those were all tried
        List<CompiledVirtualService> tried = vss.stream().filter(vs -> !vs.tcp().isEmpty()).toList();
        if (tried.isEmpty()) {
            vss.forEach(vs -> trace.passed(vs, "it has no tcp routes"));
            return new RouteOutcome.NoVirtualService("none of " + vss.stream().map(CompiledVirtualService::label)
                    .toList() + " has a tcp route");
        }
        CompiledVirtualService first = tried.get(0);
        RouteOutcome none = new RouteOutcome.Unmatched(Optional.of(first.resource().key()), first.resource().origin(),
                "no tcp route matches: " + String.join("; ", misses), false);
        tried.forEach(vs -> trace.applied(vs, verdict(none)));
        vss.forEach(vs -> trace.passed(vs, "it has no tcp routes"));
        return none;
    }
}
