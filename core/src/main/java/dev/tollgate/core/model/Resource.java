package dev.tollgate.core.model;

import java.util.Map;
import java.util.Objects;

/**
 * One validated Istio resource, normalised to a single API version's spec class
 * (fabric8 {@code io.fabric8.istio.api.api.networking.v1alpha3.*} and
 * {@code io.fabric8.istio.api.api.security.v1beta1.*}, whose schemas are shared by all versions).
 *
 * @param fields where each field came from, keyed by path such as {@code spec.rules[0].from[0].source.principals[1]};
 *               may be empty when a resource was built in code
 */
public record Resource<S>(ResourceKey key, S spec, Map<String, String> labels, Map<String, String> annotations,
                          Origin origin, Map<String, Origin> fields) {
    public Resource {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(spec, "spec");
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
        origin = origin == null ? Origin.UNKNOWN : origin;
        fields = Map.copyOf(fields);
    }

    public String namespace() {
        return key.namespace();
    }

    public String name() {
        return key.name();
    }

    /** Where a field came from, falling back to the resource itself. */
    public Origin originOf(String fieldPath) {
        return fields.getOrDefault(fieldPath, origin);
    }
}
