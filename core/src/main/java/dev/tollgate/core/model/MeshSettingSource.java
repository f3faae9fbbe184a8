package dev.tollgate.core.model;

import java.util.Objects;

/**
 * One value a mesh setting was given, and by whom: the {@code istio} ConfigMap, an IstioOperator's
 * {@code spec.meshConfig} or {@code --set}. {@link MeshSettings#sources()} lists them in the order they were
 * applied, so the last one for a key is the value in force and an earlier different one is a disagreement.
 *
 * @param key    the meshConfig path, e.g. {@code outboundTrafficPolicy.mode}
 * @param source e.g. "ConfigMap istio", "IstioOperator istio-system/installed-state", "--set"
 */
public record MeshSettingSource(String key, String value, String source, Origin origin) {
    public MeshSettingSource {
        Objects.requireNonNull(key);
        Objects.requireNonNull(value);
        Objects.requireNonNull(source);
        origin = origin == null ? Origin.UNKNOWN : origin;
    }

    /** "IstioOperator istio-system/x (mesh.yaml:9:7)", or "--set" alone. */
    public String where() {
        return origin.line() > 0 ? source + " (" + origin + ")" : source;
    }
}
