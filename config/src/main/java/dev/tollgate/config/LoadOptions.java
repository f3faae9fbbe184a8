package dev.tollgate.config;

import java.util.Map;
import java.util.Objects;

/**
 * @param defaultNamespace the namespace for resources without one ({@code -n}, default {@code default})
 * @param meshOverrides    {@code --set meshConfig.K=V} arguments as {@code K -> V} (without the {@code meshConfig.}
 *                         prefix), applied over the istio ConfigMap and an IstioOperator
 * @param limits           how large a file and a YAML value may be
 * @param recursive        whether a folder's subfolders are read too ({@code -R}); as with kubectl, they are not
 *                         by default
 */
public record LoadOptions(String defaultNamespace, Map<String, String> meshOverrides, YamlLimits limits,
                          boolean recursive) {
    public static final LoadOptions DEFAULTS = new LoadOptions("default", Map.of());

    public LoadOptions {
        Objects.requireNonNull(defaultNamespace, "defaultNamespace");
        meshOverrides = Map.copyOf(meshOverrides);
        Objects.requireNonNull(limits, "limits");
    }

    public LoadOptions(String defaultNamespace, Map<String, String> meshOverrides, YamlLimits limits) {
        this(defaultNamespace, meshOverrides, limits, false);
    }

    public LoadOptions(String defaultNamespace, Map<String, String> meshOverrides) {
        this(defaultNamespace, meshOverrides, YamlLimits.DEFAULTS);
    }

    public LoadOptions withRecursive(boolean recursive) {
        return new LoadOptions(defaultNamespace, meshOverrides, limits, recursive);
    }
}
