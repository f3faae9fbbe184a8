package dev.tollgate.config;

import java.util.Map;
import java.util.Objects;

/**
 * @param defaultNamespace the namespace for resources without one ({@code -n}, default {@code default})
 * @param meshOverrides    {@code --set meshConfig.K=V} arguments as {@code K -> V} (without the {@code meshConfig.}
 *                         prefix), applied over the istio ConfigMap and an IstioOperator
 * @param limits           how large a file and a YAML value may be
 */
public record LoadOptions(String defaultNamespace, Map<String, String> meshOverrides, YamlLimits limits) {
    public static final LoadOptions DEFAULTS = new LoadOptions("default", Map.of());

    public LoadOptions {
        Objects.requireNonNull(defaultNamespace, "defaultNamespace");
        meshOverrides = Map.copyOf(meshOverrides);
        Objects.requireNonNull(limits, "limits");
    }

    public LoadOptions(String defaultNamespace, Map<String, String> meshOverrides) {
        this(defaultNamespace, meshOverrides, YamlLimits.DEFAULTS);
    }
}
