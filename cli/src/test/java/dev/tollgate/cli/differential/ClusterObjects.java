package dev.tollgate.cli.differential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.api.config.v1.Resource;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.config.ParsedObject;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Configurations as the control plane holds them: one JSON object per Kubernetes object, named
 * {@code cluster:KIND/NS/NAME} as the watch names them, loaded through {@link ConfigLoader#loadObjects} as the watch
 * and a proxy that received them load them. An IstioOperator's meshConfig becomes the {@code istio} ConfigMap, which
 * is where a cluster holds it.
 */
final class ClusterObjects {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private ClusterObjects() {
    }

    /** The documents of {@code yaml}; objects without a namespace get {@code namespace}. */
    static Map<String, String> of(String yaml, String namespace) {
        Map<String, String> out = new TreeMap<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                if (doc == null || !doc.isObject()) {
                    continue;
                }
                ObjectNode o = (ObjectNode) doc;
                if (o.path("kind").asText().equals("IstioOperator")) {
                    o = configMap(o.path("spec").path("meshConfig"));
                }
                ObjectNode metadata = o.with("metadata");
                if (!metadata.hasNonNull("namespace")) {
                    metadata.put("namespace", namespace);
                }
                String source = "cluster:" + o.path("kind").asText() + "/" + metadata.path("namespace").asText() + "/"
                        + metadata.path("name").asText();
                out.put(source, JSON.writeValueAsString(o));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static ObjectNode configMap(JsonNode meshConfig) throws IOException {
        ObjectNode cm = JSON.createObjectNode();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        cm.with("metadata").put("name", "istio").put("namespace", "istio-system");
        cm.with("data").put("mesh", YAML.writeValueAsString(meshConfig));
        return cm;
    }

    static Map<String, String> of(List<Resource> resources) {
        Map<String, String> out = new TreeMap<>();
        resources.forEach(r -> out.put(r.getSource(), r.getJson()));
        return out;
    }

    /** Loads and compiles the objects; a load with errors fails the test, with them. */
    @SuppressWarnings("unchecked")
    static MeshSnapshot compile(Map<String, String> objects) {
        List<ParsedObject> parsed = new ArrayList<>();
        objects.forEach((source, json) -> {
            try {
                parsed.add(new ParsedObject(source, JSON.readValue(json, Map.class)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        LoadResult result = ConfigLoader.loadObjects(parsed, new LoadOptions("istio-system", Map.of()));
        if (!result.ok()) {
            throw new AssertionError("the objects do not load: " + result.errors().stream().map(Diagnostic::format)
                    .toList() + "\n" + objects.keySet());
        }
        return SnapshotCompiler.compile(result.config().orElseThrow());
    }
}
