package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.Origin;

import java.util.Map;
import java.util.Objects;

/**
 * One checked Gateway API object ({@code gateway.networking.k8s.io}), as the loader read it.
 *
 * @param kind   {@code Gateway}, {@code HTTPRoute}, {@code TLSRoute}, {@code TCPRoute}, {@code ReferenceGrant} or
 *               {@code GatewayClass}
 * @param spec   the fabric8 spec of that kind (every served version read into one class)
 * @param fields where each field came from, keyed by path such as {@code spec.rules[0].backendRefs[1]}
 */
public record GatewayApiObject(String kind, String namespace, String name, Object spec,
                               Map<String, String> annotations, Origin origin, Map<String, Origin> fields) {
    public GatewayApiObject {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(spec);
        annotations = Map.copyOf(annotations);
        fields = Map.copyOf(fields);
    }

    /** Where a field came from, falling back to the object itself. */
    public Origin originOf(String path) {
        return fields.getOrDefault(path, origin);
    }

    /** As Istio names it in {@code internal.istio.io/parents}, and as messages name it. */
    public String label() {
        return kind + " " + namespace + "/" + name;
    }
}
