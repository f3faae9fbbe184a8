package dev.tollgate.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Workload;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link ConfigSet} from inline YAML for core tests. It does no validation and keeps no field locations:
 * that is the config module's job. Resources without a namespace land in the namespace given.
 * Workloads: {@code kind: Workload} pseudo-documents with namespace, name, serviceAccount and labels.
 */
public final class TestConfig {
    private static final ObjectMapper YAML = new YAMLMapper();

    private final List<Resource<ServiceEntry>> serviceEntries = new ArrayList<>();
    private final List<Resource<Sidecar>> sidecars = new ArrayList<>();
    private final List<Resource<Gateway>> gateways = new ArrayList<>();
    private final List<Resource<VirtualService>> virtualServices = new ArrayList<>();
    private final List<Resource<DestinationRule>> destinationRules = new ArrayList<>();
    private final List<Resource<AuthorizationPolicy>> policies = new ArrayList<>();
    private final List<Workload> workloads = new ArrayList<>();
    private final List<Resource<NetworkPolicySpec>> networkPolicies = new ArrayList<>();
    private final List<Resource<WorkloadEntry>> workloadEntries = new ArrayList<>();
    private MeshSettings mesh = MeshSettings.DEFAULTS;

    public static TestConfig create() {
        return new TestConfig();
    }

    public TestConfig mesh(MeshSettings settings) {
        this.mesh = settings;
        return this;
    }

    public TestConfig workload(String namespace, String name, String serviceAccount, Map<String, String> labels) {
        workloads.add(new Workload(namespace, name, serviceAccount, labels, Origin.UNKNOWN));
        return this;
    }

    /** Adds every document of {@code yaml}; those without metadata.namespace go to {@code namespace}. */
    public TestConfig apply(String namespace, String yaml) {
        try (var parser = new YAMLFactory().createParser(yaml)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                add(namespace, (ObjectNode) doc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private void add(String defaultNamespace, ObjectNode doc) throws IOException {
        String kind = doc.path("kind").asText();
        JsonNode meta = doc.path("metadata");
        String ns = meta.hasNonNull("namespace") ? meta.get("namespace").asText() : defaultNamespace;
        String name = meta.path("name").asText();
        Map<String, String> labels = strings(meta.path("labels"));
        Map<String, String> annotations = strings(meta.path("annotations"));
        JsonNode spec = doc.has("spec") && !doc.get("spec").isNull() ? doc.get("spec") : YAML.createObjectNode();
        switch (kind) {
            case "ServiceEntry" -> serviceEntries.add(resource(Kind.SERVICE_ENTRY, ns, name, labels, annotations,
                    YAML.treeToValue(spec, ServiceEntry.class)));
            case "Sidecar" -> sidecars.add(resource(Kind.SIDECAR, ns, name, labels, annotations,
                    YAML.treeToValue(spec, Sidecar.class)));
            case "Gateway" -> gateways.add(resource(Kind.GATEWAY, ns, name, labels, annotations,
                    YAML.treeToValue(spec, Gateway.class)));
            case "VirtualService" -> virtualServices.add(resource(Kind.VIRTUAL_SERVICE, ns, name, labels, annotations,
                    YAML.treeToValue(spec, VirtualService.class)));
            case "DestinationRule" -> destinationRules.add(resource(Kind.DESTINATION_RULE, ns, name, labels,
                    annotations, YAML.treeToValue(spec, DestinationRule.class)));
            case "AuthorizationPolicy" -> policies.add(resource(Kind.AUTHORIZATION_POLICY, ns, name, labels,
                    annotations, YAML.treeToValue(spec, AuthorizationPolicy.class)));
            case "NetworkPolicy" -> networkPolicies.add(resource(Kind.NETWORK_POLICY, ns, name, labels, annotations,
                    YAML.treeToValue(spec, NetworkPolicySpec.class)));
            case "WorkloadEntry" -> workloadEntries.add(resource(Kind.WORKLOAD_ENTRY, ns, name, labels, annotations,
                    YAML.treeToValue(spec, WorkloadEntry.class)));
            case "Workload" -> workloads.add(new Workload(ns, name, doc.path("serviceAccount").asText(null),
                    strings(doc.path("labels")), Origin.UNKNOWN));
            default -> throw new IllegalArgumentException("TestConfig does not know kind " + kind);
        }
    }

    private static <S> Resource<S> resource(Kind kind, String ns, String name, Map<String, String> labels,
                                            Map<String, String> annotations, S spec) {
        return new Resource<>(new ResourceKey(kind, ns, name), spec, labels, annotations, Origin.UNKNOWN, Map.of());
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    public ConfigSet build() {
        return new ConfigSet(serviceEntries, sidecars, gateways, virtualServices, destinationRules, policies,
                workloads, networkPolicies, mesh, List.of(), workloadEntries);
    }
}
