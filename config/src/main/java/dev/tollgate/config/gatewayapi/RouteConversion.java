package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.L4MatchAttributes;
import io.fabric8.istio.api.api.networking.v1alpha3.TCPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSMatchAttributes;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRouteSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRouteSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Routes to VirtualServices: one per parent and host ({@code HTTPRouteCollection}, {@code TLSRouteCollection},
 * {@code TCPRouteCollection} in route_collections.go), HTTP ones merged per parent and host across routes
 * ({@code mergeHTTPRoutes}).
 */
final class RouteConversion {
    private static final String PARENTS = "internal.istio.io/parents";
    private static final String ROUTE_SEMANTICS = "internal.istio.io/route-semantics";

    private final ParentRefs parents;
    private final Backends backends;
    private final Findings findings;

    RouteConversion(ParentRefs parents, Backends backends, Findings findings) {
        this.parents = parents;
        this.backends = backends;
        this.findings = findings;
    }

    /** One HTTP VirtualService before merging: Istio's {@code RouteWithKey}. */
    private record Keyed(String key, String namespace, String host, Attachment parent, GatewayApiObject route,
                         List<HttpRules.Rule> rules, Origin hostOrigin) {
    }

    List<Resource<VirtualService>> http(List<GatewayApiObject> routes) {
        Map<String, List<Keyed>> byKey = new LinkedHashMap<>();
        for (GatewayApiObject obj : routes) {
            HTTPRouteSpec spec = (HTTPRouteSpec) obj.spec();
            List<String> hostnames = spec.getHostnames() == null ? List.of() : spec.getHostnames();
            List<Attachment> attached = parents.attach(obj, list(spec.getParentRefs()), hostnames);
            Optional<List<HttpRules.Rule>> meshRules = Optional.empty();
            Optional<List<HttpRules.Rule>> gwRules = Optional.empty();
            if (attached.stream().anyMatch(Attachment::mesh)) {
                meshRules = HttpRules.convert(obj, backends, false, findings);
            }
            if (attached.stream().anyMatch(a -> !a.mesh())) {
                gwRules = HttpRules.convert(obj, backends, true, findings);
            }
            for (Attachment parent : attached) {
                Optional<List<HttpRules.Rule>> converted = parent.mesh() ? meshRules : gwRules;
                if (converted.isEmpty()) {
                    continue;
                }
                List<HttpRules.Rule> rules = converted.get();
                String key = parent.internalName();
                List<String> hosts = Hostnames.orAny(hostnames);
                if (parent.mesh()) {
                    // "for mesh routes, build one VS per namespace/port->host"
                    key = obj.namespace();
                    if (parent.port().isPresent()) {
                        rules = withPort(rules, parent.port().get());
                        key += "/" + parent.port().get();
                    }
                    hosts = parent.meshHosts();
                }
                if (rules.isEmpty()) {
                    continue;
                }
                for (int h = 0; h < hosts.size(); h++) {
                    String host = hosts.get(h);
                    if (!allowedByIsolation(parent, host)) {
                        continue;
                    }
                    Origin hostOrigin = parent.mesh() || hostnames.isEmpty() ? obj.originOf(parent.refPath())
                            : obj.originOf("spec.hostnames[" + h + "]");
                    byKey.computeIfAbsent(key + "/" + host, k -> new ArrayList<>()).add(new Keyed(key + "/" + host,
                            obj.namespace(), host, parent, obj, rules, hostOrigin));
                }
            }
        }
        List<Resource<VirtualService>> out = new ArrayList<>();
        byKey.forEach((key, parts) -> out.add(merged(key, parts)));
        return out;
    }

    private Resource<VirtualService> merged(String key, List<Keyed> parts) {
        // the routes are in namespace/name order already (no creation times in files)
        Keyed base = parts.get(0);
        List<HttpRules.Rule> rules = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<String> parentNames = new ArrayList<>();
        for (Keyed k : parts) {
            rules.addAll(k.rules());
            if (!labels.contains(k.route().label())) {
                labels.add(k.route().label());
                parentNames.add(k.route().kind() + "/" + k.route().name() + "." + k.route().namespace());
            }
        }
        HttpRules.sort(rules);
        VirtualService vs = new VirtualService();
        vs.setHosts(List.of(base.host()));
        vs.setGateways(List.of(base.parent().internalName()));
        vs.setHttp(rules.stream().map(HttpRules.Rule::route).toList());
        Map<String, Origin> fields = new LinkedHashMap<>();
        fields.put("spec.hosts[0]", base.hostOrigin());
        fields.put("spec.gateways[0]", base.route().originOf(base.parent().refPath()));
        for (int i = 0; i < rules.size(); i++) {
            fields.put("spec.http[" + i + "]", rules.get(i).origin());
            for (var d : rules.get(i).destinations().entrySet()) {
                fields.put("spec.http[" + i + "]." + d.getKey(), d.getValue());
            }
        }
        return resource(base.namespace(), key.replace('/', '~'), String.join(", ", labels),
                String.join(",", parentNames), vs, base.route().origin(), fields);
    }

    List<Resource<VirtualService>> tls(GatewayApiObject obj) {
        TLSRouteSpec spec = (TLSRouteSpec) obj.spec();
        List<String> hostnames = spec.getHostnames() == null ? List.of() : spec.getHostnames();
        List<List<BackendRef>> backendRefs = list(spec.getRules()).stream().map(TLSRouteRule::getBackendRefs).toList();
        return l4(obj, list(spec.getParentRefs()), hostnames, backendRefs, true);
    }

    List<Resource<VirtualService>> tcp(GatewayApiObject obj) {
        TCPRouteSpec spec = (TCPRouteSpec) obj.spec();
        List<List<BackendRef>> backendRefs = list(spec.getRules()).stream().map(TCPRouteRule::getBackendRefs).toList();
        return l4(obj, list(spec.getParentRefs()), List.of(), backendRefs, false);
    }

    private List<Resource<VirtualService>> l4(GatewayApiObject obj, List<io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference> refs,
                                              List<String> hostnames, List<List<BackendRef>> backendRefs, boolean tls) {
        List<Attachment> attached = parents.attach(obj, refs, hostnames);
        List<Resource<VirtualService>> out = new ArrayList<>();
        int count = 0;
        for (Attachment parent : attached) {
            Optional<List<L4Rules.Rule>> rules = L4Rules.convert(obj, backendRefs, backends, !parent.mesh());
            if (rules.isEmpty()) {
                continue;
            }
            // TLSRoute: the hostnames, "*" when none; TCPRoute: every host
            List<String> hosts = tls ? Hostnames.orAny(hostnames) : List.of("*");
            if (parent.mesh()) {
                hosts = parent.meshHosts();
            } else if (tls && parent.listener().map(l -> !l.listenerHost().isEmpty()).orElse(false)) {
                // "intersect the route hostnames with the listener hostname per the Gateway API spec"
                hosts = Hostnames.intersection(hosts, List.of(parent.listener().get().listenerHost()));
            }
            for (String host : hosts) {
                VirtualService vs = new VirtualService();
                vs.setHosts(List.of(host));
                vs.setGateways(List.of(parent.internalName()));
                Map<String, Origin> fields = new LinkedHashMap<>();
                fields.put("spec.gateways[0]", obj.originOf(parent.refPath()));
                fields.put("spec.hosts[0]", parent.mesh() || hostnames.isEmpty() ? obj.originOf(parent.refPath())
                        : obj.originOf("spec.hostnames"));
                String kind = tls ? "tls" : "tcp";
                List<L4Rules.Rule> rs = rules.get();
                if (tls) {
                    vs.setTls(tlsRoutes(rs, hostnames, parent, host));
                } else {
                    vs.setTcp(rs.stream().map(r -> tcpRoute(r, parent)).toList());
                }
                for (int i = 0; i < rs.size(); i++) {
                    fields.put("spec." + kind + "[" + i + "]", rs.get(i).origin());
                    for (var d : rs.get(i).destinations().entrySet()) {
                        fields.put("spec." + kind + "[" + i + "]." + d.getKey(), d.getValue());
                    }
                }
                String name = obj.name() + "~" + kind + "~" + count++ + "~" + GatewayConversion.SUFFIX;
                out.add(resource(obj.namespace(), name, obj.label(), obj.kind() + "/" + obj.name() + "."
                        + obj.namespace(), vs, obj.origin(), fields));
            }
        }
        return out;
    }

    /**
     * {@code buildTLSMatch} (sniHosts: the hostnames, or "*"), then for the mesh {@code augmentTLSPortMatch} (a "*"
     * becomes the parent's hosts; the parentRef port) and {@code compatibleRoutesForHost}, for a Gateway listener
     * with a hostname {@code constrainTLSRoutesToListenerHost}.
     */
    private static List<TLSRoute> tlsRoutes(List<L4Rules.Rule> rules, List<String> hostnames, Attachment parent,
                                            String vsHost) {
        List<TLSRoute> out = new ArrayList<>();
        for (L4Rules.Rule r : rules) {
            List<String> sni = hostnames.isEmpty() ? List.of("*") : hostnames;
            if (parent.mesh()) {
                if (sni.equals(List.of("*"))) {
                    sni = parent.meshHosts();
                }
                if (sni.size() > 1) {
                    sni = sni.stream().filter(h -> HostPattern.overlaps(vsHost, h)).toList();
                }
            } else if (parent.listener().map(l -> !l.listenerHost().isEmpty()).orElse(false)) {
                sni = Hostnames.intersection(sni, List.of(parent.listener().get().listenerHost()));
                if (sni.isEmpty()) {
                    continue;
                }
            }
            TLSMatchAttributes match = new TLSMatchAttributes();
            match.setSniHosts(List.copyOf(sni));
            if (parent.mesh()) {
                parent.port().ifPresent(p -> match.setPort(p.longValue()));
            }
            TLSRoute t = new TLSRoute();
            t.setMatch(List.of(match));
            t.setRoute(r.route());
            out.add(t);
        }
        return out;
    }

    /** {@code augmentTCPPortMatch} for mesh parents with a port. */
    private static TCPRoute tcpRoute(L4Rules.Rule r, Attachment parent) {
        TCPRoute t = new TCPRoute();
        if (parent.mesh() && parent.port().isPresent()) {
            L4MatchAttributes m = new L4MatchAttributes();
            m.setPort(parent.port().get().longValue());
            t.setMatch(List.of(m));
        }
        t.setRoute(r.route());
        return t;
    }

    /** {@code augmentPortMatch}: every match gets the port; a route without a match gets one of the port. */
    private static List<HttpRules.Rule> withPort(List<HttpRules.Rule> rules, int port) {
        List<HttpRules.Rule> out = new ArrayList<>();
        for (HttpRules.Rule r : rules) {
            HTTPRoute copy = copy(r.route());
            List<HTTPMatchRequest> matches = new ArrayList<>();
            for (HTTPMatchRequest m : copy.getMatch() == null ? List.<HTTPMatchRequest>of() : copy.getMatch()) {
                HTTPMatchRequest c = new HTTPMatchRequest();
                c.setUri(m.getUri());
                c.setHeaders(m.getHeaders());
                c.setQueryParams(m.getQueryParams());
                c.setMethod(m.getMethod());
                c.setPort((long) port);
                matches.add(c);
            }
            if (matches.isEmpty()) {
                HTTPMatchRequest c = new HTTPMatchRequest();
                c.setPort((long) port);
                matches.add(c);
            }
            copy.setMatch(matches);
            out.add(new HttpRules.Rule(copy, r.origin(), r.destinations()));
        }
        return out;
    }

    private static HTTPRoute copy(HTTPRoute r) {
        HTTPRoute c = new HTTPRoute();
        c.setName(r.getName());
        c.setMatch(r.getMatch());
        c.setRoute(r.getRoute());
        c.setDirectResponse(r.getDirectResponse());
        return c;
    }

    /** {@code hostnameAllowedByIsolation}: a route host a more exact listener on the same port claims is its own. */
    private static boolean allowedByIsolation(Attachment parent, String routeHost) {
        String ours = parent.listener().map(ListenerParent::listenerHost).orElse("");
        if (!ours.isEmpty() && !HostName.isWildcard(ours)) {
            return true;
        }
        if (!ours.isEmpty() && !HostPattern.overlaps(routeHost, ours)) {
            return false;
        }
        for (String other : parent.banned()) {
            if (ours.length() > other.length()) {
                continue;
            }
            if (HostPattern.matches(other, routeHost)) {
                return false;
            }
        }
        return true;
    }

    private static Resource<VirtualService> resource(String namespace, String name, String writtenAs, String parentNames,
                                                     VirtualService vs, Origin origin, Map<String, Origin> fields) {
        return new Resource<>(new ResourceKey(Kind.VIRTUAL_SERVICE, namespace, name, writtenAs), vs, Map.of(),
                Map.of(PARENTS, parentNames, ROUTE_SEMANTICS, "gateway"), origin, fields);
    }

    private static <T> List<T> list(List<T> in) {
        return in == null ? List.of() : in;
    }
}
