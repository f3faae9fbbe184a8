package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Workload;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one text (a file, standard input, an object) gives a load, worked out apart from every other text: its own
 * diagnostics, and the steps that depend on what the other texts hold (a name defined twice, the mesh settings, the
 * Gateway API's routes), each marked with how many of the text's diagnostics come before it. The loader plays these
 * back in the order of the texts, so that the diagnostics' order is that of reading the texts one after another.
 *
 * @param objects the Kubernetes objects read (the items of a List count, the List does not)
 */
record CheckedText(List<Diagnostic> diagnostics, List<Deferred> deferred, int objects) {
    CheckedText {
        diagnostics = List.copyOf(diagnostics);
        deferred = List.copyOf(deferred);
    }

    /** A text that gave only diagnostics (unreadable, not UTF-8, not YAML) or nothing at all. */
    static CheckedText of(Problems problems) {
        return new CheckedText(problems.all(), List.of(), 0);
    }

    /** A step, after the first {@code after} diagnostics of the text. */
    record Deferred(int after, Step step) {
    }

    sealed interface Step {
    }

    /** An Istio (or Kubernetes Service, NetworkPolicy) resource that passed its checks, and its conversion. */
    record IstioObject(ResourceKey key, Origin origin, Origin nameOrigin, String namePath, Optional<Object> converted,
                       String conversionError, Origin specOrigin, String specPath, Optional<String> unhealthy,
                       Map<String, String> labels, Map<String, String> annotations, Map<String, Origin> fields)
            implements Step {
    }

    /** A Gateway API object: its routes are converted once every text is read. */
    record GatewayApiObject(FieldNode doc, String apiVersion, String kind, String namespace) implements Step {
    }

    record WorkloadFound(Workload workload) implements Step {
    }

    /** The {@code istio} ConfigMap: mesh settings, merged with the others once every text is read. */
    record MeshConfigMap(FieldNode doc, String namespace, Origin origin, String apiVersion, String[] lines)
            implements Step {
    }

    record MeshOperator(FieldNode meshConfig, Origin origin, String what) implements Step {
    }
}
