package dev.tollgate.control.watch;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.config.ParsedObject;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds the configuration from the cluster's objects through the file loader ({@link ConfigLoader#loadObjects}),
 * and decides what an invalid object costs. The file loader refuses a whole load for one error and keeps the last
 * good snapshot; in a cluster that would let any namespace's broken object freeze everyone's configuration, so the
 * refusal is narrowed to the object: an object whose current version is invalid counts at its last accepted
 * version, or not at all when it never had one. Either way the result is the last accepted state plus every valid
 * change: an invalid object changes no decision, neither widening nor narrowing access. When the errors cannot be
 * pinned on changed objects (an error about no object, or one about an object already at its accepted version),
 * nothing is accepted, as with files.
 */
final class Assembly {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final com.fasterxml.jackson.databind.ObjectMapper SORTED = new com.fasterxml.jackson.databind.ObjectMapper()
            .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** An object version refused, and why. */
    record Rejection(ClusterObjects.Entry entry, List<Diagnostic> errors) {
    }

    /**
     * @param config   the configuration to compile; empty when nothing could be accepted
     * @param accepted the objects it was built from, each at the version that counted
     * @param rejected the object versions refused, with their errors
     * @param failure  the errors that refused the whole build, when {@code config} is empty
     */
    record Outcome(Optional<ConfigSet> config, Map<ObjectKey, ClusterObjects.Entry> accepted,
                   Map<ObjectKey, Rejection> rejected, List<Diagnostic> failure) {
    }

    private Assembly() {
    }

    static Outcome build(Map<ObjectKey, ClusterObjects.Entry> desired, Map<ObjectKey, ClusterObjects.Entry> accepted,
                         LoadOptions options) {
        Map<ObjectKey, ClusterObjects.Entry> candidate = new TreeMap<>(desired);
        Map<String, ObjectKey> bySource = new HashMap<>();
        desired.keySet().forEach(k -> bySource.put(k.source(), k));
        Map<ObjectKey, Rejection> rejected = new TreeMap<>();
        // each round takes at least one object back to its accepted version or out, so this ends
        while (true) {
            LoadResult result = ConfigLoader.loadObjects(parsed(candidate), options);
            if (result.ok()) {
                return new Outcome(result.config(), candidate, rejected, List.of());
            }
            Map<ObjectKey, List<Diagnostic>> byObject = new LinkedHashMap<>();
            List<Diagnostic> unattributed = new ArrayList<>();
            for (Diagnostic d : result.errors()) {
                ObjectKey key = bySource.get(d.origin().source());
                if (key == null) {
                    unattributed.add(d);
                } else {
                    byObject.computeIfAbsent(key, k -> new ArrayList<>()).add(d);
                }
            }
            boolean progress = false;
            for (Map.Entry<ObjectKey, List<Diagnostic>> e : byObject.entrySet()) {
                ObjectKey key = e.getKey();
                ClusterObjects.Entry before = accepted.get(key);
                rejected.put(key, new Rejection(desired.get(key), e.getValue()));
                if (before != null && before.equals(candidate.get(key))) {
                    continue;
                }
                progress = true;
                if (before == null) {
                    candidate.remove(key);
                } else {
                    candidate.put(key, before);
                }
            }
            if (!unattributed.isEmpty() || !progress) {
                return new Outcome(Optional.empty(), accepted, rejected, result.errors());
            }
        }
    }

    private static List<ParsedObject> parsed(Map<ObjectKey, ClusterObjects.Entry> objects) {
        List<ParsedObject> out = new ArrayList<>(objects.size());
        objects.forEach((key, entry) -> out.add(new ParsedObject(key.source(), fields(entry.object()))));
        return out;
    }

    /**
     * Each object as JSON in the loader's form ({@link #fields}), without {@code status}: status is the API server's
     * and ours (validation messages), no input of any decision, and a status update must not look like a new view.
     * Keys sorted, so that replicas reading the same objects write the same bytes.
     */
    static Map<String, String> json(Map<ObjectKey, ClusterObjects.Entry> objects) {
        Map<String, String> out = new TreeMap<>();
        objects.forEach((key, entry) -> {
            Map<String, Object> fields = fields(entry.object());
            fields.remove("status");
            try {
                out.put(key.source(), SORTED.writeValueAsString(fields));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write " + key.source() + " as JSON", e);
            }
        });
        return out;
    }

    /**
     * The object as the loader reads it. Metadata keeps only what a file's would hold (name, namespace, labels,
     * annotations): the server's own fields (managedFields, uid, ...) say nothing about policy and would only be
     * more for the strict schema to judge.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> fields(GenericKubernetesResource object) {
        Map<String, Object> all = new LinkedHashMap<>(SERIALIZATION.convertValue(object, Map.class));
        Map<String, Object> metadata = new LinkedHashMap<>();
        var m = object.getMetadata();
        metadata.put("name", m.getName());
        if (m.getNamespace() != null) {
            metadata.put("namespace", m.getNamespace());
        }
        if (m.getLabels() != null && !m.getLabels().isEmpty()) {
            metadata.put("labels", m.getLabels());
        }
        if (m.getAnnotations() != null && !m.getAnnotations().isEmpty()) {
            metadata.put("annotations", m.getAnnotations());
        }
        all.put("metadata", metadata);
        return all;
    }
}
