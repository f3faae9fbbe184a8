package dev.tollgate.config;

import java.util.Map;
import java.util.Objects;

/**
 * @param defaultNamespace the namespace for resources without one ({@code -n}, default {@code default})
 * @param meshOverrides    {@code --set meshConfig.K=V} arguments as {@code K -> V} (without the {@code meshConfig.}
 *                         prefix), applied over the istio ConfigMap and an IstioOperator
 */
public record LoadOptions(String defaultNamespace, Map<String, String> meshOverrides) {
    public static final LoadOptions DEFAULTS = new LoadOptions("default", Map.of());

    public LoadOptions {
        Objects.requireNonNull(defaultNamespace, "defaultNamespace");
        meshOverrides = Map.copyOf(meshOverrides);
    }
}
