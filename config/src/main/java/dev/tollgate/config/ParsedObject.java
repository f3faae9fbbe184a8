package dev.tollgate.config;

import java.util.Map;
import java.util.Objects;

/**
 * A Kubernetes object that arrived already parsed, e.g. from the API server through an informer: its fields as
 * JSON-like maps, lists and scalars, and a source name that its diagnostics' origins carry, so that a caller can tell
 * which object each diagnostic is about.
 *
 * @param source a name unique among the objects of one load, e.g. {@code cluster:AuthorizationPolicy/ns/name}
 * @param fields the whole object: apiVersion, kind, metadata, spec, ...
 */
public record ParsedObject(String source, Map<String, Object> fields) {
    public ParsedObject {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(fields, "fields");
    }
}
