package dev.tollgate.cli;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.LoadOptions;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configuration options every command shares, as {@code kubectl apply} and {@code istioctl install} take them. */
public final class ConfigOptions {

    @Option(names = {"-f", "--filename"}, paramLabel = "[NAMESPACE=]PATH",
            description = {"A YAML file or a folder of them (multi-document, Istio and Kubernetes resources). Repeatable.",
                    "NAMESPACE=PATH places that file's resources that have no metadata.namespace in NAMESPACE,",
                    "so one command can apply the same file in two namespaces."})
    List<String> files = new ArrayList<>();

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE", defaultValue = "default",
            description = "The namespace for resources without one, for every -f of the command (default: ${DEFAULT-VALUE}).")
    String namespace = "default";

    @Option(names = "--set", paramLabel = "meshConfig.KEY=VALUE",
            description = {"A mesh setting, as with 'istioctl install --set', e.g.",
                    "--set meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY. Overrides the istio ConfigMap and",
                    "an IstioOperator's spec.meshConfig. Repeatable."})
    List<String> set = new ArrayList<>();

    public List<ConfigSource> sources() {
        return files.stream().map(ConfigSource::parse).toList();
    }

    /** @throws IllegalArgumentException for a --set that is not {@code meshConfig.KEY=VALUE} */
    public LoadOptions loadOptions() {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String s : set) {
            int eq = s.indexOf('=');
            if (eq < 0 || !s.startsWith("meshConfig.") || eq == "meshConfig.".length()) {
                throw new IllegalArgumentException("--set " + s + ": expected meshConfig.KEY=VALUE, e.g. "
                        + "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY");
            }
            overrides.put(s.substring("meshConfig.".length(), eq), s.substring(eq + 1));
        }
        return new LoadOptions(namespace, overrides);
    }
}
