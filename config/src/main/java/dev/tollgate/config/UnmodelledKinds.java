package dev.tollgate.config;

import java.util.Map;
import java.util.Optional;

/**
 * Kinds that change what Istio does with egress traffic but that Tollgate does not model, each with what it may
 * change. Loading one is a warning, not a silent skip: Tollgate's answer may differ from the mesh's. Kinds that
 * cannot change a decision (a Deployment's other fields, a ServiceAccount, a ConfigMap other than istio) stay an
 * info; the Gateway API's kinds are not listed here.
 */
final class UnmodelledKinds {
    /** By API group, then kind: what a resource of that kind may change (any version of the group). */
    private static final Map<String, Map<String, String>> EFFECTS = Map.of(
            "networking.istio.io", Map.of(
                    "EnvoyFilter", "egress behaviour: it patches the Envoy configuration (listeners, routes, "
                            + "clusters, filters) of the proxies it selects, in ways no other resource shows",
                    "WorkloadGroup", "egress routing: it makes WorkloadEntries for the VMs that join it, which "
                            + "become endpoints of ServiceEntries with a matching workloadSelector",
                    "ProxyConfig", "egress behaviour: it sets proxy settings such as environment variables (for "
                            + "example ISTIO_META_DNS_CAPTURE, which changes how egress hosts resolve) for the "
                            + "proxies it selects"),
            "security.istio.io", Map.of(
                    "PeerAuthentication", "mTLS between workloads and the egress gateway: its mode (STRICT, "
                            + "PERMISSIVE, DISABLE) decides which connections the gateway accepts and whether its "
                            + "policies see a client identity (principals, namespaces)",
                    "RequestAuthentication", "egress authorization: it rejects requests with an invalid JWT and sets "
                            + "the request principals that AuthorizationPolicy's requestPrincipals match"),
            "telemetry.istio.io", Map.of(
                    "Telemetry", "the access logs, metrics and traces of egress traffic (it does not change which "
                            + "requests are allowed)"),
            "extensions.istio.io", Map.of(
                    "WasmPlugin", "egress behaviour: its Wasm filter runs in the proxies it selects and may deny, "
                            + "rewrite or redirect requests"));

    private UnmodelledKinds() {
    }

    /**
     * What a document of {@code kind} under {@code apiVersion} may change, if it is a kind Tollgate should name in a
     * warning. Kubernetes' v1 Service is modelled: the registry holds it.
     */
    static Optional<String> effect(String apiVersion, String kind, FieldNode doc) {
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        return Optional.ofNullable(EFFECTS.getOrDefault(group, Map.of()).get(kind));
    }

    /** The warning's text, e.g. "EnvoyFilter istio-system/x may change egress behaviour: ...; Tollgate does not model EnvoyFilter". */
    static String message(String kind, String namespace, String name, String effect) {
        return kind + " " + namespace + "/" + (name.isEmpty() ? "<unnamed>" : name) + " may change " + effect
                + "; Tollgate does not model " + kind;
    }
}
