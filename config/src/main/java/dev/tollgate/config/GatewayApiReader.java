package dev.tollgate.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tollgate.config.gatewayapi.GatewayApiConversion;
import dev.tollgate.config.gatewayapi.GatewayApiObject;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRouteSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRouteSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the Gateway API kinds ({@code gateway.networking.k8s.io}) with the same strictness as Istio's: schema from
 * the fabric8 Gateway API model, every field with its origin. The kinds Istio's gateway controller uses for egress are
 * kept for {@link GatewayApiConversion}; those it uses otherwise are named in a warning, never dropped silently.
 */
final class GatewayApiReader {
    static final String GROUP = "gateway.networking.k8s.io";
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");

    /** Kind to its served versions' spec class (one class per kind: the versions share a schema). */
    private record Served(Set<String> versions, Class<?> spec, boolean namespaced) {
    }

    private static final Map<String, Served> KINDS = Map.of(
            "Gateway", new Served(Set.of("v1", "v1beta1"), GatewaySpec.class, true),
            "HTTPRoute", new Served(Set.of("v1", "v1beta1"), HTTPRouteSpec.class, true),
            "TLSRoute", new Served(Set.of("v1alpha2", "v1alpha3"), TLSRouteSpec.class, true),
            "TCPRoute", new Served(Set.of("v1alpha2"), TCPRouteSpec.class, true),
            "ReferenceGrant", new Served(Set.of("v1beta1", "v1alpha2"), ReferenceGrantSpec.class, true),
            "GatewayClass", new Served(Set.of("v1", "v1beta1"), GatewayClassSpec.class, false));
    /** Kinds of the group Istio acts on that Tollgate does not convert, with what they may change. */
    private static final Map<String, String> UNMODELLED = Map.of(
            "GRPCRoute", "routes gRPC through sidecars and gateways",
            "UDPRoute", "routes UDP",
            "ListenerSet", "adds listeners to a Gateway",
            "XListenerSet", "adds listeners to a Gateway",
            "BackendTLSPolicy", "originates TLS to a backend",
            "BackendTrafficPolicy", "changes load balancing and retries to a backend",
            "XBackendTrafficPolicy", "changes load balancing and retries to a backend");

    private final List<GatewayApiObject> objects = new ArrayList<>();
    private final Map<String, String> classes = new LinkedHashMap<>();
    private final Map<String, Origin> seen = new LinkedHashMap<>();
    private final Problems problems;

    GatewayApiReader(Problems problems) {
        this.problems = problems;
    }

    void read(FieldNode doc, String apiVersion, String kind, String defaultNamespace) {
        Problems.Scoped p = problems.about(Optional.empty());
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        Optional<FieldNode> metadata = doc.get("metadata");
        String name = metadata.flatMap(m -> m.string("name")).orElse("");
        String namespace = metadata.flatMap(m -> m.string("namespace")).orElse(defaultNamespace);
        Origin origin = ConfigLoader.resourceOrigin(doc);
        if (UNMODELLED.containsKey(kind)) {
            p.warning("unmodelled-kind", origin, "", kind + " " + namespace + "/" + name + " may change egress "
                    + "behaviour (it " + UNMODELLED.get(kind) + "); Tollgate does not model " + kind);
            return;
        }
        Served served = KINDS.get(kind);
        if (served == null) {
            Set<String> known = new TreeSet<>(KINDS.keySet());
            known.addAll(UNMODELLED.keySet());
            p.error("unknown-kind", doc.get("kind").orElseThrow(), "unknown kind " + kind + " in " + GROUP
                    + SchemaChecker.suggestion(kind, known));
            return;
        }
        if (!served.versions().contains(version)) {
            p.error("unknown-api-version", doc.get("apiVersion").orElseThrow(), "unsupported apiVersion " + apiVersion
                    + " for " + kind + "; supported: " + served.versions().stream().sorted().map(v -> GROUP + "/" + v)
                    .toList());
            return;
        }
        for (FieldNode field : doc.entries()) {
            if (!TOP_LEVEL.contains(field.key())) {
                p.error("unknown-field", field, "unknown field \"" + field.key() + "\" in " + kind
                        + SchemaChecker.suggestion(field.key(), TOP_LEVEL));
            }
        }
        if (metadata.isEmpty() || name.isEmpty()) {
            p.error("missing-field", metadata.orElse(doc), kind + " needs metadata.name");
            return;
        }
        Map<String, Origin> origins = new LinkedHashMap<>();
        if (!SchemaChecker.check(metadata.get(), MetadataRules.metadataShape(), p, origins)) {
            return;
        }
        if (!KubernetesNames.isSubdomain(name)) {
            p.error("invalid-name", metadata.get().get("name").orElseThrow(), kind + " name \"" + name
                    + "\" is not a valid Kubernetes name (DNS-1123 subdomain)");
            return;
        }
        FieldNode spec = doc.get("spec").orElseGet(() -> new FieldNode("spec", doc.origin(),
                new YamlNode.MapNode(doc.origin(), Map.of())));
        if (!SchemaChecker.check(spec, SpecSchema.of(served.spec()), p, origins)) {
            return;
        }
        Object converted;
        try {
            converted = MAPPER.treeToValue(SpecJson.toJsonWithInts(spec.node()), served.spec());
        } catch (IOException | IllegalArgumentException e) {
            p.error("invalid-field", spec, "cannot convert spec: " + e.getMessage());
            return;
        }
        String ns = served.namespaced() ? namespace : "";
        String key = kind + " " + ns + "/" + name;
        Origin previous = seen.put(key, origin);
        if (previous != null) {
            p.warning("duplicate-resource", origin, "", key + " is defined again; this definition replaces the one at "
                    + previous + ", as 'kubectl apply' would");
            objects.removeIf(o -> o.kind().equals(kind) && o.namespace().equals(ns) && o.name().equals(name));
        }
        if (converted instanceof GatewayClassSpec c) {
            classes.put(name, c.getControllerName() == null ? "" : c.getControllerName());
            return;
        }
        if (converted instanceof GatewaySpec g && (g.getGatewayClassName() == null || g.getGatewayClassName().isEmpty())) {
            p.error("missing-field", spec, "Gateway " + ns + "/" + name + " needs spec.gatewayClassName");
            return;
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        metadata.get().get("annotations").ifPresent(a -> a.entries().forEach(e -> annotations.put(e.key(), e.text())));
        objects.add(new GatewayApiObject(kind, ns, name, converted, annotations, origin, origins));
    }

    /** The Istio resources made of what was read, with the conversion's diagnostics. */
    GatewayApiConversion.Result convert(List<Resource<ServiceEntry>> serviceEntries) {
        GatewayApiConversion.Result result = GatewayApiConversion.convert(objects, classes, serviceEntries);
        for (Diagnostic d : result.diagnostics()) {
            problems.add(d.severity(), d.code(), d.origin(), d.resource(), d.fieldPath(), d.message());
        }
        return result;
    }
}
