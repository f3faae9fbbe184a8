package dev.tollgate.cli.inject;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A manifest (multi-document YAML, List kinds included) with the sidecar injected into every workload's pod
 * template: Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs.
 * Every other document passes through with the same content, as kube-inject passes Services and ConfigMaps.
 */
public final class ManifestInjection {
    /** Where each workload kind keeps its pod template, and the API groups it is that kind in. */
    private record Workload(List<String> groups, List<String> path) {
    }

    private static final Map<String, Workload> WORKLOADS = Map.of(
            "Pod", new Workload(List.of(""), List.of()),
            "ReplicationController", new Workload(List.of(""), List.of("spec", "template")),
            "Deployment", new Workload(List.of("apps", "extensions"), List.of("spec", "template")),
            "StatefulSet", new Workload(List.of("apps"), List.of("spec", "template")),
            "DaemonSet", new Workload(List.of("apps", "extensions"), List.of("spec", "template")),
            "ReplicaSet", new Workload(List.of("apps", "extensions"), List.of("spec", "template")),
            "Job", new Workload(List.of("batch"), List.of("spec", "template")),
            "CronJob", new Workload(List.of("batch"), List.of("spec", "jobTemplate", "spec", "template")));
    private static final KubernetesSerialization K8S = new KubernetesSerialization();
    private static final ObjectMapper YAML_OUT = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            // kubectl reads YAML 1.1: an unquoted 15006 is a number, and a container's args must be strings
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .build());

    /** A manifest that cannot be read, at its file and line. */
    public static final class MalformedManifest extends Exception {
        MalformedManifest(String message) {
            super(message);
        }
    }

    private final SidecarInjector injector;

    public ManifestInjection(SidecarInjector injector) {
        this.injector = injector;
    }

    /**
     * @param source the name errors carry (a file, or {@code <stdin>})
     * @param warn   told, one line each, of every workload left as it was and why
     * @throws MalformedManifest        for YAML that does not parse or a document that is no object
     * @throws IllegalArgumentException for a workload that holds the sidecar's names but no status annotation
     */
    public String inject(String source, String text, Consumer<String> warn) throws MalformedManifest {
        List<String> out = new ArrayList<>();
        for (Object doc : documents(source, text)) {
            out.add(yaml(document(doc, warn)));
        }
        return String.join("---\n", out);
    }

    private static List<Object> documents(String source, String text) throws MalformedManifest {
        LoaderOptions loader = new LoaderOptions();
        loader.setAllowDuplicateKeys(false);
        loader.setMaxAliasesForCollections(50);
        loader.setNestingDepthLimit(100);
        ObjectMapper mapper = new ObjectMapper(YAMLFactory.builder().loaderOptions(loader).build()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));
        List<Object> docs = new ArrayList<>();
        JsonLocation at = null;
        try (JsonParser p = mapper.createParser(text)) {
            int index = 0;
            while (p.nextToken() != null) {
                at = p.currentTokenLocation();
                index++;
                Object value = p.currentToken() == JsonToken.VALUE_NULL ? null : mapper.readValue(p, Object.class);
                if (value == null) {
                    continue;
                }
                if (!(value instanceof Map<?, ?>)) {
                    throw new MalformedManifest(source + ":" + at.getLineNr() + ":" + at.getColumnNr()
                            + ": document " + index + " is not a Kubernetes object");
                }
                docs.add(value);
            }
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation() != null ? e.getLocation() : at;
            throw new MalformedManifest(source + (where == null ? "" : ":" + where.getLineNr() + ":"
                    + where.getColumnNr()) + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new MalformedManifest(source + ": " + e.getMessage());
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    private Object document(Object doc, Consumer<String> warn) {
        if (!(doc instanceof Map<?, ?> map)) {
            return doc;
        }
        Map<String, Object> object = (Map<String, Object>) map;
        String kind = String.valueOf(object.get("kind"));
        if (kind.endsWith("List") && object.get("items") instanceof List<?> items) {
            List<Object> injected = new ArrayList<>();
            items.forEach(item -> injected.add(document(item, warn)));
            Map<String, Object> list = new LinkedHashMap<>(object);
            list.put("items", injected);
            return list;
        }
        Workload workload = WORKLOADS.get(kind);
        String apiVersion = String.valueOf(object.get("apiVersion"));
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        if (workload == null || !workload.groups().contains(group)) {
            return object;
        }
        Map<String, Object> template = object;
        for (String step : workload.path()) {
            if (!(template.get(step) instanceof Map<?, ?> next)) {
                warn.accept(describe(object) + ": no " + String.join(".", workload.path()) + ", not injected");
                return object;
            }
            template = (Map<String, Object>) next;
        }
        if (!(template.get("spec") instanceof Map<?, ?>)) {
            warn.accept(describe(object) + ": no pod spec, not injected");
            return object;
        }
        ObjectMeta meta = template.get("metadata") == null ? new ObjectMeta()
                : K8S.convertValue(template.get("metadata"), ObjectMeta.class);
        PodSpec spec = K8S.convertValue(template.get("spec"), PodSpec.class);
        SidecarInjector.Outcome outcome;
        try {
            outcome = injector.inject(meta, spec, w -> warn.accept(describe(object) + ": " + w));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe(object) + ": " + e.getMessage(), e);
        }
        switch (outcome) {
            case INJECTED -> {
                template.put("metadata", K8S.convertValue(meta, Map.class));
                template.put("spec", K8S.convertValue(spec, Map.class));
            }
            case ALREADY_INJECTED -> warn.accept(describe(object) + ": already injected, left as it is");
            case OPTED_OUT -> warn.accept(describe(object) + ": " + SidecarInjector.INJECT + " is \"false\", "
                    + "left as it is");
            case HOST_NETWORK -> warn.accept(describe(object) + ": hostNetwork pods are not injected (the capture "
                    + "would redirect the node's own traffic), left as it is");
        }
        return object;
    }

    private static String describe(Map<String, Object> object) {
        Map<?, ?> metadata = object.get("metadata") instanceof Map<?, ?> m ? m : Map.of();
        Object ns = metadata.get("namespace");
        return object.get("kind") + " " + (ns == null ? "" : ns + "/") + metadata.get("name");
    }

    private static String yaml(Object doc) {
        try {
            return YAML_OUT.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
