package dev.tollgate.cli.matrix;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.istio.api.api.security.v1beta1.Rule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The literals the rules that may decide an HTTP column's requests compare against: the methods, paths and headers of
 * the VirtualServices for its host and of the AuthorizationPolicies that may apply at an egress gateway. A superset
 * is harmless (one more probe, the same answers); a literal missed would hide a "partly" cell, so the selection errs
 * wide. A regex (VirtualService) cannot be turned into a value and is left out; a route that only a regex tells apart
 * shows as the probes' outcome.
 */
public final class RequestLiterals {
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
    static final String OTHER = "tollgate-other";

    private final Set<String> methods = new LinkedHashSet<>();
    /** Concrete path -> the literal as written. */
    private final Map<String, String> paths = new LinkedHashMap<>();
    /** Header name (lower case) -> concrete value -> the literal as written. */
    private final Map<String, Map<String, String>> headers = new LinkedHashMap<>();

    /** The literals for {@code host} (the probe host) in each of {@code sets} (one, or diff's two). */
    static RequestLiterals of(String host, List<Scope> scopes) {
        RequestLiterals l = new RequestLiterals();
        String folded = HostName.fold(host);
        for (Scope s : scopes) {
            for (Resource<VirtualService> vs : s.set().virtualServices()) {
                if (vs.spec().getHosts() != null && vs.spec().getHosts().stream()
                        .anyMatch(h -> HostPattern.matches(HostName.fold(h), folded))) {
                    l.virtualService(vs.spec());
                }
            }
            for (Resource<AuthorizationPolicy> p : s.gatewayPolicies()) {
                for (Rule rule : p.spec().getRules() == null ? List.<Rule>of() : p.spec().getRules()) {
                    l.rule(rule, folded);
                }
            }
        }
        return l;
    }

    /**
     * One configuration's sources of literals: its set and the policies that may apply at one of its egress gateways
     * (worked out once, not per column).
     */
    record Scope(ConfigSet set, List<Resource<AuthorizationPolicy>> gatewayPolicies) {
        static Scope of(ConfigSet set) {
            List<WorkloadRef> gateways = new ArrayList<>();
            gateways.add(EgressGatewayIdentity.WORKLOAD);
            EgressGatewayIdentity.deployments(set.gateways()).forEach(d -> gateways.add(d.workload()));
            for (Workload w : set.workloads()) {
                if (MatrixRows.gateway(set, w.labels())) {
                    gateways.add(w.ref());
                }
            }
            String root = set.mesh().rootNamespace();
            List<Resource<AuthorizationPolicy>> out = new ArrayList<>();
            for (Resource<AuthorizationPolicy> p : set.authorizationPolicies()) {
                Map<String, String> sel = p.spec().getSelector() == null ? null : p.spec().getSelector().getMatchLabels();
                boolean targeted = p.spec().getTargetRef() != null
                        || p.spec().getTargetRefs() != null && !p.spec().getTargetRefs().isEmpty();
                boolean applies = targeted || gateways.stream().anyMatch(g ->
                        (p.namespace().equals(root) || p.namespace().equals(g.namespace()))
                                && (sel == null || LabelSelector.of(sel).matches(g.labels())));
                if (applies) {
                    out.add(p);
                }
            }
            return new Scope(set, out);
        }
    }

    private void virtualService(VirtualService vs) {
        for (var route : vs.getHttp() == null ? List.<io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute>of()
                : vs.getHttp()) {
            for (HTTPMatchRequest m : route.getMatch() == null ? List.<HTTPMatchRequest>of() : route.getMatch()) {
                literal(m.getMethod()).ifPresent(methods::add); // as written: a method's case matters
                literal(m.getUri()).ifPresent(v -> paths.putIfAbsent(v, v));
                header(m.getHeaders());
                header(m.getWithoutHeaders());
            }
        }
    }

    private void header(Map<String, StringMatch> matches) {
        if (matches == null) {
            return;
        }
        matches.forEach((name, match) -> {
            Map<String, String> values = headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new LinkedHashMap<>());
            literal(match).ifPresent(v -> values.putIfAbsent(v, v));
        });
    }

    private static java.util.Optional<String> literal(StringMatch m) {
        if (m == null || m.getMatchType() == null) {
            return java.util.Optional.empty();
        }
        return switch (m.getMatchType()) {
            case StringMatchExact e when e.getExact() != null -> java.util.Optional.of(e.getExact());
            case StringMatchPrefix p when p.getPrefix() != null -> java.util.Optional.of(p.getPrefix());
            default -> java.util.Optional.empty();
        };
    }

    /** A rule's operations and conditions; a rule whose every operation names other hosts cannot decide this one. */
    private void rule(Rule rule, String host) {
        var to = rule.getTo() == null ? List.<io.fabric8.istio.api.api.security.v1beta1.RuleTo>of() : rule.getTo();
        boolean otherHosts = !to.isEmpty() && to.stream().allMatch(t -> t.getOperation() != null
                && t.getOperation().getHosts() != null && !t.getOperation().getHosts().isEmpty()
                && t.getOperation().getHosts().stream().noneMatch(h -> istioMatch(HostName.fold(h), host)));
        if (otherHosts) {
            return;
        }
        for (var t : to) {
            var op = t.getOperation();
            if (op == null) {
                continue;
            }
            both(op.getMethods(), op.getNotMethods()).stream().filter(m -> !m.contains("*")).forEach(methods::add);
            for (String p : both(op.getPaths(), op.getNotPaths())) {
                String concrete = concretePath(p);
                if (concrete != null) {
                    paths.putIfAbsent(concrete, p);
                }
            }
        }
        for (var c : rule.getWhen() == null ? List.<io.fabric8.istio.api.api.security.v1beta1.Condition>of()
                : rule.getWhen()) {
            String key = c.getKey();
            if (key == null || !key.startsWith("request.headers[") || !key.endsWith("]")) {
                continue;
            }
            String name = key.substring("request.headers[".length(), key.length() - 1).toLowerCase(Locale.ROOT);
            Map<String, String> values = headers.computeIfAbsent(name, k -> new LinkedHashMap<>());
            for (String v : both(c.getValues(), c.getNotValues())) {
                if (!v.equals("*")) {
                    values.putIfAbsent(v.replace("*", ""), v);
                }
            }
        }
    }

    /** Istio's string match for policies: exact, "prefix*", "*suffix", "*". */
    private static boolean istioMatch(String pattern, String value) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.endsWith("*")) {
            return value.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        if (pattern.startsWith("*")) {
            return value.endsWith(pattern.substring(1));
        }
        return pattern.equals(value) || value.startsWith(pattern + ":");
    }

    /** A path the literal covers: "/api/*" -> "/api/x", "*.png" -> "/x.png", "/a/{*}/b" -> "/a/x/b"; "*" none. */
    private static String concretePath(String p) {
        if (p.equals("*")) {
            return null;
        }
        String s = p.replace("{**}", "x").replace("{*}", "x");
        if (s.endsWith("*")) {
            s = s.substring(0, s.length() - 1) + "x";
        } else if (s.startsWith("*")) {
            s = "/x" + s.substring(1);
        }
        return s.startsWith("/") ? s : null;
    }

    private static List<String> both(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a == null ? List.of() : a);
        out.addAll(b == null ? List.of() : b);
        return out;
    }

    /** The dimensions: method always (GET first), path and each header only when some rule reads them. */
    List<RequestSpace.Dimension> dimensions() {
        List<RequestSpace.Dimension> out = new ArrayList<>();
        List<RequestSpace.Value> m = new ArrayList<>();
        if (methods.isEmpty()) {
            m.add(new RequestSpace.Value("GET", "any", false));
        } else {
            Set<String> upper = new LinkedHashSet<>();
            if (methods.contains("GET")) {
                upper.add("GET");
            }
            upper.addAll(methods);
            upper.forEach(v -> m.add(new RequestSpace.Value(v, v, false)));
            String other = METHODS.stream().filter(x -> !methods.contains(x)).findFirst().orElse("TRACE");
            m.add(new RequestSpace.Value(other, "other", true));
        }
        out.add(new RequestSpace.Dimension("method", m));
        if (!paths.isEmpty()) {
            List<RequestSpace.Value> p = new ArrayList<>();
            p.add(new RequestSpace.Value(paths.containsKey("/") ? "/" + OTHER : "/", "other", true));
            paths.forEach((concrete, written) -> p.add(new RequestSpace.Value(concrete, written, false)));
            out.add(new RequestSpace.Dimension("path", p));
        }
        headers.forEach((name, values) -> {
            List<RequestSpace.Value> h = new ArrayList<>();
            h.add(new RequestSpace.Value(null, "no " + name + " header", false));
            values.forEach((concrete, written) -> h.add(new RequestSpace.Value(concrete, name + ": " + written, false)));
            h.add(new RequestSpace.Value(OTHER, name + ": another value", true));
            out.add(new RequestSpace.Dimension("header " + name, h));
        });
        return out;
    }
}
