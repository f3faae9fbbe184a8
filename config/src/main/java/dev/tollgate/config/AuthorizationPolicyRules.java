package dev.tollgate.config;

import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.PathTemplate;
import dev.tollgate.core.model.net.HostName;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Istio's ValidateAuthorizationPolicy (pkg/config/validation/validation.go) and ValidateAttribute
 * (pkg/config/security), on the YAML nodes. Stricter than Istio where an empty list could be misread as "no
 * constraint": {@code from: []}, {@code to: []} and {@code when: []} are errors.
 */
final class AuthorizationPolicyRules {
    private static final List<String> SOURCE_FIELDS = List.of("principals", "requestPrincipals", "namespaces",
            "ipBlocks", "remoteIpBlocks", "notPrincipals", "notRequestPrincipals", "notNamespaces", "notIpBlocks",
            "notRemoteIpBlocks", "serviceAccounts", "notServiceAccounts", "trustDomains", "notTrustDomains");
    private static final List<String> OPERATION_FIELDS = List.of("ports", "methods", "paths", "hosts", "notPorts",
            "notMethods", "notPaths", "notHosts");
    private static final Set<String> CUSTOM_UNSUPPORTED_SOURCE = Set.of("namespaces", "notNamespaces", "principals",
            "notPrincipals", "requestPrincipals", "notRequestPrincipals");

    private AuthorizationPolicyRules() {
    }

    static void validate(FieldNode spec, Problems.Scoped p) {
        String action = spec.string("action").orElse("ALLOW");
        boolean hasRules = !spec.list("rules").isEmpty();
        int selectors = (spec.has("selector") ? 1 : 0) + (spec.has("targetRef") ? 1 : 0)
                + (spec.list("targetRefs").isEmpty() ? 0 : 1);
        if (selectors > 1) {
            p.error("invalid-field", spec.get("targetRef").or(() -> spec.get("targetRefs")).orElse(spec),
                    "only one of selector, targetRef or targetRefs can be set");
        }
        spec.get("selector").ifPresent(s -> CommonRules.selectorLabels(s, "matchLabels", p));
        spec.get("targetRef").ifPresent(r -> targetRef(r, p));
        spec.list("targetRefs").forEach(r -> targetRef(r, p));

        if (!hasRules && !action.equals("ALLOW")) {
            FieldNode at = spec.get("rules").or(() -> spec.get("action")).orElse(spec);
            p.error("invalid-field", at, action + " action without `rules` is meaningless as it will never be "
                    + "triggered, add an empty rule `{}` if you want it be triggered for every request");
        }
        Optional<FieldNode> provider = spec.get("provider");
        if (action.equals("CUSTOM") && hasRules
                && provider.flatMap(pr -> pr.string("name")).filter(n -> !n.isEmpty()).isEmpty()) {
            p.error("invalid-field", provider.orElse(spec.get("action").orElse(spec)),
                    "`provider.name` must not be empty for the CUSTOM action");
        }
        if (action.equals("CUSTOM") && hasRules) {
            p.warning("custom-unsupported", spec.get("action").orElseThrow(), "CUSTOM (external authorization) is not "
                    + "supported by Tollgate: requests its rules match are denied (fail closed)");
        }
        if (provider.isPresent() && !action.equals("CUSTOM")) {
            p.error("invalid-field", provider.get(), "`provider` must not be with non CUSTOM action, found " + action);
        }
        if (spec.isEmptyList("rules") && action.equals("ALLOW")) {
            p.warning("empty-rules", spec.get("rules").orElseThrow(), "`rules: []` is the same as no rules: "
                    + "this ALLOW policy matches nothing");
        }
        for (FieldNode rule : spec.list("rules")) {
            rule(rule, action, p);
        }
    }

    private static void rule(FieldNode rule, String action, Problems.Scoped p) {
        if (!(rule.node() instanceof YamlNode.MapNode)) {
            return;
        }
        for (String list : List.of("from", "to", "when")) {
            if (rule.isEmptyList(list)) {
                p.error("invalid-field", rule.get(list).orElseThrow(), "`" + list + "` must not be empty");
            }
        }
        for (FieldNode from : rule.list("from")) {
            Optional<FieldNode> source = from.get("source");
            if (source.isEmpty()) {
                p.error("invalid-field", from, "`from.source` must not be nil");
                continue;
            }
            FieldNode src = source.get();
            if (SOURCE_FIELDS.stream().allMatch(f -> src.list(f).isEmpty())) {
                p.error("invalid-field", src, "`from.source` must not be empty");
            }
            for (String f : SOURCE_FIELDS) {
                values(src, f, p);
            }
            for (String f : List.of("ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks")) {
                for (FieldNode ip : src.list(f)) {
                    if (!ip.text().isEmpty() && !IstioNames.isIpOrCidr(ip.text())) {
                        p.error("invalid-field", ip, (ip.text().contains("/") ? "bad CIDR range (" : "bad IP address (")
                                + ip.text() + ")");
                    }
                }
            }
            for (String f : List.of("principals", "notPrincipals")) {
                for (FieldNode principal : src.list(f)) {
                    if (principal.text().startsWith("spiffe://")) {
                        p.error("invalid-field", principal, "principals are written without the spiffe:// prefix, "
                                + "e.g. cluster.local/ns/default/sa/sleep; \"" + principal.text() + "\" never matches");
                    }
                }
            }
            boolean byAccount = src.has("serviceAccounts") || src.has("notServiceAccounts");
            if (byAccount && (src.has("principals") || src.has("notPrincipals") || src.has("namespaces")
                    || src.has("notNamespaces"))) {
                p.error("invalid-field", src.get("serviceAccounts").or(() -> src.get("notServiceAccounts")).orElseThrow(),
                        "Cannot set serviceAccounts with namespaces or principals");
            }
            for (String f : List.of("serviceAccounts", "notServiceAccounts")) {
                for (FieldNode sa : src.list(f)) {
                    serviceAccount(sa, p);
                }
            }
            for (String f : List.of("namespaces", "notNamespaces", "principals", "notPrincipals")) {
                for (FieldNode v : src.list(f)) {
                    middleWildcard(v, p);
                }
            }
            if (action.equals("CUSTOM")) {
                for (String f : CUSTOM_UNSUPPORTED_SOURCE) {
                    src.get(f).filter(n -> !n.items().isEmpty()).ifPresent(n ->
                            p.error("invalid-field", n, "From." + f + " is currently not supported with CUSTOM action"));
                }
            }
        }
        for (FieldNode to : rule.list("to")) {
            Optional<FieldNode> operation = to.get("operation");
            if (operation.isEmpty()) {
                p.error("invalid-field", to, "`to.operation` must not be nil");
                continue;
            }
            FieldNode op = operation.get();
            if (OPERATION_FIELDS.stream().allMatch(f -> op.list(f).isEmpty())) {
                p.error("invalid-field", op, "`to.operation` must not be empty");
            }
            for (String f : OPERATION_FIELDS) {
                values(op, f, p);
            }
            for (String f : List.of("ports", "notPorts")) {
                op.list(f).forEach(port -> portValue(port, p));
            }
            for (String f : List.of("hosts", "notHosts")) {
                // hosts fold ASCII only, so a non-ASCII value could never match: refused with the one reason
                for (FieldNode host : op.list(f)) {
                    HostName.nonAscii(host.text()).ifPresent(m -> p.error("invalid-field", host, m));
                }
            }
            for (String f : List.of("paths", "notPaths")) {
                for (FieldNode path : op.list(f)) {
                    pathTemplate(path, f).ifPresent(m -> p.error("invalid-field", path, m));
                }
            }
        }
        for (FieldNode when : rule.list("when")) {
            condition(when, action, p);
        }
    }

    private static void condition(FieldNode when, String action, Problems.Scoped p) {
        String key = when.string("key").orElse("");
        if (key.isEmpty()) {
            p.error("invalid-field", when.get("key").orElse(when), "`key` must not be empty");
            return;
        }
        FieldNode keyNode = when.get("key").orElseThrow();
        if (when.list("values").isEmpty() && when.list("notValues").isEmpty()) {
            p.error("invalid-field", when, "at least one of `values` or `notValues` must be set for key " + key);
            return;
        }
        Optional<String> keyError = whenKey(key);
        if (keyError.isPresent()) {
            p.error("invalid-field", keyNode, keyError.get());
            return;
        }
        if (action.equals("CUSTOM") && (key.equals("source.namespace") || key.equals("source.principal")
                || key.startsWith("request.auth."))) {
            p.error("invalid-field", keyNode, key + " is currently not supported with CUSTOM action");
        }
        for (String f : List.of("values", "notValues")) {
            for (FieldNode v : when.list(f)) {
                if (v.text().isEmpty()) {
                    p.error("invalid-field", v, "empty value not allowed, found in " + f);
                } else if (key.equals("source.ip") || key.equals("remote.ip") || key.equals("destination.ip")) {
                    if (!IstioNames.isIpOrCidr(v.text())) {
                        p.error("invalid-field", v, "invalid `" + f + "` for key " + key + ": bad IP address or CIDR ("
                                + v.text() + ")");
                    }
                } else if (key.equals("destination.port")) {
                    portValue(v, p);
                } else if (key.equals("source.serviceAccount")) {
                    serviceAccount(v, p);
                }
            }
            if (key.equals("source.serviceAccount") && when.list(f).size() > 16) {
                p.error("invalid-field", when.get(f).orElseThrow(), "source.serviceAccount may not have more than "
                        + "16 " + f);
            }
        }
    }

    /** Istio's CheckValidPathTemplate, one implementation shared with the Authorizer. */
    static Optional<String> pathTemplate(FieldNode path, String field) {
        String v = path.text();
        return PathTemplate.problem(v).map(m -> "invalid or unsupported path " + v + ", found in " + field + ". " + m);
    }

    /** The documented `when` keys (istio.io "Authorization Policy Conditions", pkg/config/security). */
    static Optional<String> whenKey(String key) {
        if (key.startsWith("request.headers") || key.startsWith("request.auth.claims")
                || key.startsWith("experimental.envoy.filters.")) {
            int open = key.indexOf('[');
            if (key.endsWith("]") && open > 0 && open < key.length() - 2) {
                return Optional.empty();
            }
            return Optional.of("bad key (" + key + "): should have format a[b]");
        }
        if (WHEN_KEYS.contains(key)) {
            return Optional.empty();
        }
        return switch (key) {
            case "destination.namespace" -> Optional.of("attribute " + key + " is replaced by the metadata.namespace");
            case "destination.name", "destination.user" ->
                    Optional.of("deprecated attribute " + key + ": only supported in v1alpha1");
            default -> key.startsWith("destination.labels")
                    ? Optional.of("attribute " + key + " is replaced by the workload selector")
                    : Optional.of("unknown attribute: " + key + whenKeySuggestion(key));
        };
    }

    /** The `when` keys that take no name in brackets. */
    private static final Set<String> WHEN_KEYS = Set.of("source.ip", "remote.ip", "source.namespace",
            "source.serviceAccount", "source.principal", "request.auth.principal", "request.auth.audiences",
            "request.auth.presenter", "destination.ip", "destination.port", "connection.sni");
    /** The `when` keys written key[name]. */
    private static final Set<String> NAMED_WHEN_KEYS = Set.of("request.headers", "request.auth.claims");

    /** As for an unknown field: the closest documented key, or the list of them (one home: SchemaChecker). */
    private static String whenKeySuggestion(String key) {
        int open = key.indexOf('[');
        if (open > 0) {
            return SchemaChecker.suggestion(key.substring(0, open), NAMED_WHEN_KEYS);
        }
        java.util.Set<String> all = new java.util.TreeSet<>(WHEN_KEYS);
        NAMED_WHEN_KEYS.forEach(k -> all.add(k + "[NAME]"));
        return SchemaChecker.suggestion(key, all);
    }

    private static void values(FieldNode node, String field, Problems.Scoped p) {
        for (FieldNode v : node.list(field)) {
            if (v.text().isEmpty()) {
                p.error("invalid-field", v, "empty value not allowed, found in " + field);
            }
        }
    }

    /** Ports in AuthorizationPolicy are strings holding 0..65535 (Istio's ValidatePorts). */
    private static void portValue(FieldNode port, Problems.Scoped p) {
        String v = port.text();
        if (v.isEmpty()) {
            return;
        }
        boolean ok = v.matches("\\d{1,5}") && Integer.parseInt(v) <= 65535;
        if (!ok) {
            p.error("invalid-field", port, "bad port (" + v + "): must be a number in 0..65535");
        }
    }

    /** Istio matches only a leading or trailing '*'; one in the middle is taken literally and never matches. */
    private static void middleWildcard(FieldNode v, Problems.Scoped p) {
        String s = v.text();
        int star = s.indexOf('*');
        if (star > 0 && star < s.length() - 1) {
            p.warning("literal-wildcard", v, "\"" + s + "\" has '*' in the middle: Istio matches only a leading or "
                    + "trailing '*' (prefix, suffix or presence), so it is compared literally");
        }
    }

    /** {@code <namespace>/<serviceaccount>} or {@code <serviceaccount>}; no wildcard (istio/api authorization_policy.proto). */
    private static void serviceAccount(FieldNode sa, Problems.Scoped p) {
        String v = sa.text();
        String[] parts = v.split("/", -1);
        boolean ok = parts.length <= 2 && java.util.Arrays.stream(parts).allMatch(KubernetesNames::isSubdomain);
        if (v.contains("*")) {
            p.error("invalid-field", sa, "service account \"" + v + "\": no form of wildcard (*) is allowed");
        } else if (!ok) {
            p.error("invalid-field", sa, "service account \"" + v
                    + "\" must be of form <namespace>/<serviceaccount> or <serviceaccount>");
        }
    }

    private static void targetRef(FieldNode ref, Problems.Scoped p) {
        if (ref.string("name").orElse("").isEmpty()) {
            p.error("invalid-field", ref, "targetRef name must be set");
        }
        ref.get("namespace").filter(n -> !n.text().isEmpty()).ifPresent(n -> p.error("invalid-field", n,
                "targetRef namespace must not be set; cross namespace referencing is not supported"));
        String group = ref.string("group").orElse("");
        String kind = ref.string("kind").orElse("");
        boolean allowed = (group.isEmpty() || group.equals("core")) && kind.equals("Service")
                || group.equals("networking.istio.io") && kind.equals("ServiceEntry")
                || group.equals("gateway.networking.k8s.io") && kind.equals("Gateway");
        if (!allowed) {
            p.error("invalid-field", ref, "targetRef must be to a core/Service, networking.istio.io/ServiceEntry "
                    + "or gateway.networking.k8s.io/Gateway but was " + group + "/" + kind);
        }
    }
}
