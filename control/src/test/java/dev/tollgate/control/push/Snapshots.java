package dev.tollgate.control.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.config.ParsedObject;
import dev.tollgate.control.watch.WatchedSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Snapshots as the watch publishes them, from inline YAML, each object named {@code cluster:KIND/NS/NAME}. */
final class Snapshots {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Snapshots() {
    }

    static Map<String, String> objects(String yaml) {
        Map<String, String> out = new TreeMap<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            for (var it = new YAMLMapper().readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                if (doc instanceof ObjectNode o) {
                    out.put("cluster:" + o.path("kind").asText() + "/" + o.path("metadata").path("namespace").asText()
                            + "/" + o.path("metadata").path("name").asText(), JSON.writeValueAsString(o));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static WatchedSnapshot of(long version, Map<String, String> objects) {
        List<ParsedObject> parsed = new ArrayList<>();
        objects.forEach((s, j) -> {
            try {
                parsed.add(new ParsedObject(s, JSON.readValue(j, Map.class)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        LoadResult r = ConfigLoader.loadObjects(parsed, new LoadOptions("istio-system", Map.of()));
        if (!r.ok()) {
            throw new AssertionError(r.errors());
        }
        Map<String, String> versions = new TreeMap<>();
        objects.keySet().forEach(s -> versions.put(s, String.valueOf(version)));
        return new WatchedSnapshot(version, versions, objects, SnapshotCompiler.compile(r.config().orElseThrow()));
    }

    static WatchedSnapshot of(long version, String yaml) {
        return of(version, objects(yaml));
    }

    /** A private ServiceEntry of {@code ns} for {@code host}. */
    static String privateEntry(String ns, String name, String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: %s}
                spec: {hosts: [%s], exportTo: ["."], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
                ---
                """.formatted(name, ns, host);
    }

    static final String MESH = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: istio, namespace: istio-system}
            data:
              mesh: |
                outboundTrafficPolicy:
                  mode: REGISTRY_ONLY
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: google, namespace: istio-system}
            spec: {hosts: [developers.google.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: allow-nothing, namespace: istio-system}
            spec: {}
            ---
            """;
}
