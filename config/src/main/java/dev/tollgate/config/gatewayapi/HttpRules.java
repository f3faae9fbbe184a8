package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.Diagnostic.Severity;
import dev.tollgate.core.model.Origin;
import io.fabric8.istio.api.api.networking.v1alpha3.Destination;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPDirectResponse;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRouteDestination;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteSpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An HTTPRoute's rules to Istio HTTP routes: {@code convertHTTPRoute} (conversion.go), with each rule split into one
 * route per match as {@code HTTPRouteCollection} (route_collections.go) does, and {@code sortHTTPRoutes}.
 */
final class HttpRules {
    /**
     * Filters that change the request a proxy forwards, or answer it, and so what the next proxy judges; Tollgate
     * does not model them, so a route using one is refused rather than decided wrongly.
     */
    private static final Set<String> DECIDING_FILTERS = Set.of("RequestHeaderModifier", "RequestRedirect",
            "URLRewrite", "RequestMirror", "ExtensionRef", "ExternalAuth");

    /** One Istio route with where it came from. */
    record Rule(HTTPRoute route, Origin origin, Map<String, Origin> destinations) {
    }

    private HttpRules() {
    }

    /** Empty after an error (reported). */
    static Optional<List<Rule>> convert(GatewayApiObject obj, Backends backends, boolean gatewayParent,
                                        Findings findings) {
        HTTPRouteSpec spec = (HTTPRouteSpec) obj.spec();
        List<Rule> out = new ArrayList<>();
        boolean ok = true;
        List<HTTPRouteRule> rules = spec.getRules() == null ? List.of() : spec.getRules();
        for (int n = 0; n < rules.size(); n++) {
            HTTPRouteRule r = rules.get(n);
            String path = "spec.rules[" + n + "]";
            ok &= filters(obj, r.getFilters(), path + ".filters", findings);
            unmodelled(obj, r, path, findings);
            List<HTTPRouteMatch> matches = r.getMatches() == null || r.getMatches().isEmpty()
                    ? java.util.Collections.singletonList(null) : r.getMatches();
            for (int m = 0; m < matches.size(); m++) {
                HTTPRoute route = new HTTPRoute();
                route.setName(r.getName() != null ? r.getName() : obj.namespace() + "." + obj.name() + "." + n);
                if (matches.get(m) != null) {
                    Optional<HTTPMatchRequest> match = match(obj, matches.get(m), path + ".matches[" + m + "]",
                            findings);
                    if (match.isEmpty()) {
                        ok = false;
                        continue;
                    }
                    route.setMatch(List.of(match.get()));
                }
                Map<String, Origin> destinations = new LinkedHashMap<>();
                ok &= destinations(obj, r, path, route, destinations, backends, gatewayParent, findings);
                out.add(new Rule(route, obj.originOf(matches.get(m) == null ? path : path + ".matches[" + m + "]"),
                        destinations));
            }
        }
        return ok ? Optional.of(out) : Optional.empty();
    }

    private static boolean destinations(GatewayApiObject obj, HTTPRouteRule r, String path, HTTPRoute route,
                                        Map<String, Origin> origins, Backends backends, boolean gatewayParent,
                                        Findings findings) {
        List<HTTPBackendRef> refs = r.getBackendRefs() == null ? List.of() : r.getBackendRefs();
        int sum = 0;
        for (HTTPBackendRef b : refs) {
            sum += b.getWeight() == null ? 1 : b.getWeight();
        }
        if (sum == 0) {
            // "Per the Gateway API spec, when there are no >0 weight backends return 500."
            HTTPDirectResponse direct = new HTTPDirectResponse();
            direct.setStatus(500L);
            route.setDirectResponse(direct);
            return true;
        }
        boolean ok = true;
        List<HTTPRouteDestination> dests = new ArrayList<>();
        long weighted = refs.stream().filter(b -> b.getWeight() == null || b.getWeight() > 0).count();
        for (int i = 0; i < refs.size(); i++) {
            HTTPBackendRef b = refs.get(i);
            int weight = b.getWeight() == null ? 1 : b.getWeight();
            if (weight == 0) {
                continue;
            }
            String at = path + ".backendRefs[" + i + "]";
            ok &= filters(obj, b.getFilters(), at + ".filters", findings);
            Optional<Destination> d = backends.destination(obj, new Backends.Ref(b.getGroup(), b.getKind(),
                    b.getName(), b.getNamespace(), b.getPort(), b.getWeight()), at, gatewayParent);
            if (d.isEmpty()) {
                ok = false;
                continue;
            }
            HTTPRouteDestination dest = new HTTPRouteDestination();
            dest.setDestination(d.get());
            // buildHTTPDestination: a single backend carries no weight
            if (weighted > 1) {
                dest.setWeight(weight);
            }
            origins.put("route[" + dests.size() + "]", obj.originOf(at));
            dests.add(dest);
        }
        route.setRoute(dests);
        return ok;
    }

    private static boolean filters(GatewayApiObject obj, List<HTTPRouteFilter> filters, String path,
                                   Findings findings) {
        boolean ok = true;
        for (int i = 0; filters != null && i < filters.size(); i++) {
            String type = filters.get(i).getType() == null ? "" : filters.get(i).getType();
            String at = path + "[" + i + "]";
            if (DECIDING_FILTERS.contains(type)) {
                findings.add(Severity.ERROR, "gateway-api-unsupported", obj.originOf(at), at, obj.label()
                        + ": filter " + type + " is not modelled by Tollgate; it changes what the request becomes "
                        + "(and what the next proxy decides on), so Tollgate refuses to guess");
                ok = false;
            } else if (type.equals("ResponseHeaderModifier") || type.equals("CORS")) {
                findings.add(Severity.WARNING, "gateway-api-ignored", obj.originOf(at), at, obj.label()
                        + ": filter " + type + " is not modelled by Tollgate; it changes responses only, never "
                        + "whether a request is allowed");
            } else {
                findings.add(Severity.ERROR, "gateway-api-unsupported", obj.originOf(at), at, obj.label()
                        + ": unsupported filter type \"" + type + "\"");
                ok = false;
            }
        }
        return ok;
    }

    private static void unmodelled(GatewayApiObject obj, HTTPRouteRule r, String path, Findings findings) {
        for (String field : List.of("timeouts", "retry", "sessionPersistence")) {
            boolean set = switch (field) {
                case "timeouts" -> r.getTimeouts() != null;
                case "retry" -> r.getRetry() != null;
                default -> r.getSessionPersistence() != null;
            };
            if (set) {
                findings.add(Severity.INFO, "gateway-api-ignored", obj.originOf(path + "." + field),
                        path + "." + field, obj.label() + ": " + field + " is not modelled by Tollgate; it does not "
                                + "change which requests are allowed");
            }
        }
    }

    /** {@code createURIMatch}, {@code createHeadersMatch}, {@code createQueryParamsMatch}, {@code createMethodMatch}. */
    private static Optional<HTTPMatchRequest> match(GatewayApiObject obj, HTTPRouteMatch m, String path,
                                                    Findings findings) {
        HTTPMatchRequest out = new HTTPMatchRequest();
        String type = m.getPath() == null || m.getPath().getType() == null ? "PathPrefix" : m.getPath().getType();
        String value = m.getPath() == null || m.getPath().getValue() == null ? "/" : m.getPath().getValue();
        switch (type) {
            // "When specified, a trailing `/` is ignored."
            case "PathPrefix" -> out.setUri(new StringMatch(new StringMatchPrefix(
                    value.equals("/") || !value.endsWith("/") ? value : value.substring(0, value.length() - 1))));
            case "Exact" -> out.setUri(new StringMatch(new StringMatchExact(value)));
            case "RegularExpression" -> out.setUri(new StringMatch(new StringMatchRegex(value)));
            default -> {
                findings.add(Severity.ERROR, "gateway-api-unsupported", obj.originOf(path + ".path.type"),
                        path + ".path.type", obj.label() + ": unknown type: \"" + type
                                + "\" is not supported Path match type");
                return Optional.empty();
            }
        }
        Map<String, StringMatch> headers = new LinkedHashMap<>();
        List<HTTPHeaderMatch> hs = m.getHeaders() == null ? List.of() : m.getHeaders();
        for (int i = 0; i < hs.size(); i++) {
            Optional<StringMatch> sm = typed(obj, hs.get(i).getType(), hs.get(i).getValue(),
                    path + ".headers[" + i + "]", findings);
            if (sm.isEmpty()) {
                return Optional.empty();
            }
            headers.put(hs.get(i).getName(), sm.get());
        }
        if (!headers.isEmpty()) {
            out.setHeaders(headers);
        }
        Map<String, StringMatch> params = new LinkedHashMap<>();
        List<HTTPQueryParamMatch> qs = m.getQueryParams() == null ? List.of() : m.getQueryParams();
        for (int i = 0; i < qs.size(); i++) {
            Optional<StringMatch> sm = typed(obj, qs.get(i).getType(), qs.get(i).getValue(),
                    path + ".queryParams[" + i + "]", findings);
            if (sm.isEmpty()) {
                return Optional.empty();
            }
            params.put(qs.get(i).getName(), sm.get());
        }
        if (!params.isEmpty()) {
            out.setQueryParams(params);
        }
        if (m.getMethod() != null) {
            out.setMethod(new StringMatch(new StringMatchExact(m.getMethod())));
        }
        return Optional.of(out);
    }

    private static Optional<StringMatch> typed(GatewayApiObject obj, String type, String value, String path,
                                               Findings findings) {
        String t = type == null ? "Exact" : type;
        return switch (t) {
            case "Exact" -> Optional.of(new StringMatch(new StringMatchExact(value)));
            case "RegularExpression" -> Optional.of(new StringMatch(new StringMatchRegex(value)));
            default -> {
                findings.add(Severity.ERROR, "gateway-api-unsupported", obj.originOf(path + ".type"), path + ".type",
                        obj.label() + ": unknown type: \"" + t + "\" is not a supported match type");
                yield Optional.empty();
            }
        };
    }

    /**
     * {@code sortHTTPRoutes}: routes with a match first; Exact before Prefix before Regex, longer paths first, then
     * a method, more headers, more query parameters. Stable, so equal routes keep the routes' order.
     */
    static void sort(List<Rule> rules) {
        rules.sort(Comparator.comparing((Rule r) -> r.route().getMatch() == null || r.route().getMatch().isEmpty())
                .thenComparing(Comparator.comparingInt((Rule r) -> rank(first(r))).reversed())
                .thenComparing(Comparator.comparingInt((Rule r) -> length(first(r))).reversed())
                .thenComparing((Rule r) -> first(r) == null || first(r).getMethod() == null)
                .thenComparing(Comparator.comparingInt((Rule r) -> size(first(r) == null ? null
                        : first(r).getHeaders())).reversed())
                .thenComparing(Comparator.comparingInt((Rule r) -> size(first(r) == null ? null
                        : first(r).getQueryParams())).reversed()));
    }

    private static HTTPMatchRequest first(Rule r) {
        return r.route().getMatch() == null || r.route().getMatch().isEmpty() ? null : r.route().getMatch().get(0);
    }

    private static int rank(HTTPMatchRequest m) {
        if (m == null || m.getUri() == null) {
            return -1;
        }
        return switch (m.getUri().getMatchType()) {
            case StringMatchExact e -> 3;
            case StringMatchPrefix p -> 2;
            case StringMatchRegex x -> 1;
            default -> -1;
        };
    }

    private static int length(HTTPMatchRequest m) {
        if (m == null || m.getUri() == null) {
            return 0;
        }
        return switch (m.getUri().getMatchType()) {
            case StringMatchExact e -> e.getExact().length();
            case StringMatchPrefix p -> p.getPrefix().length();
            case StringMatchRegex x -> x.getRegex().length();
            default -> -1;
        };
    }

    private static int size(Map<?, ?> m) {
        return m == null ? 0 : m.size();
    }
}
