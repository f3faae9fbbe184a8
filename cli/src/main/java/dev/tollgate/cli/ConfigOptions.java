package dev.tollgate.cli;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.ParsedObject;
import dev.tollgate.config.YamlLimits;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configuration options every command shares, as {@code kubectl apply} and {@code istioctl install} take them. */
public final class ConfigOptions {

    @Option(names = {"-f", "--filename"}, paramLabel = "[NAMESPACE=]PATH",
            description = {"A YAML file or a folder of them (multi-document, Istio and Kubernetes resources, 'kubectl",
                    "get -o yaml' exports and List kinds included), or - for standard input (once). Repeatable.",
                    "A folder's subfolders are read only with -R. NAMESPACE=PATH places that file's resources that",
                    "have no metadata.namespace in NAMESPACE, so one command can apply the same file in two namespaces.",
                    "As with kubectl, an empty folder or files with only comments are an error, and so is no -f (and no --set)."})
    List<String> files = new ArrayList<>();

    @Option(names = {"-R", "--recursive"},
            description = "Read the subfolders of -f folders too, as 'kubectl apply -R' does.")
    boolean recursive;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE", defaultValue = "default",
            description = "The namespace for resources without one, for every -f of the command (default: ${DEFAULT-VALUE}).")
    String namespace = "default";

    @Option(names = "--set", paramLabel = "meshConfig.KEY=VALUE",
            description = {"A mesh setting, as with 'istioctl install --set', e.g.",
                    "--set meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY. Overrides the istio ConfigMap and",
                    "an IstioOperator's spec.meshConfig. Repeatable."})
    List<String> set = new ArrayList<>();

    @Option(names = "--kubernetes",
            description = {"Read the live cluster's resources, as istioctl does: Istio's kinds at the preferred version",
                    "the API server serves, Namespaces, Pods, ServiceAccounts, Services, EndpointSlices and the istio",
                    "ConfigMap of istio-system (what the control plane watches). With -f, the files are laid over the",
                    "cluster as 'istioctl analyze' does: a file's resource replaces the cluster's of the same kind,",
                    "namespace and name. Messages about a cluster resource name it cluster:KIND/NAMESPACE/NAME."})
    boolean kubernetes;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "With --kubernetes: the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the pod's service account).")
    String kubeconfig;

    @Option(names = "--context", paramLabel = "NAME",
            description = "With --kubernetes: the kubeconfig context to use (default: its current-context).")
    String context;

    @Option(names = "--max-config-file-size", paramLabel = "SIZE", defaultValue = "4Mi",
            description = {"The largest config file read (bytes, or with Ki/Mi), default ${DEFAULT-VALUE}. A larger",
                    "file is an error naming it, checked before it is read: Kubernetes stores an object in at most",
                    "1.5 MiB, so a bigger file is a mistake or an attack. While a proxy runs, such an error keeps",
                    "the last good configuration in force (see /ready and tollgate_config_last_reload_success)."})
    String maxFileSize = "4Mi";

    @Option(names = "--max-yaml-scalar-size", paramLabel = "SIZE", defaultValue = "1Mi",
            description = {"The longest YAML key or value, in characters (or with Ki/Mi), default ${DEFAULT-VALUE},",
                    "as a ConfigMap's data is at most 1 MiB. A longer one is an error at its file and line."})
    String maxScalarSize = "1Mi";

    /** The same options with more mesh settings after this command's --set (an EgressTest's spec.mesh). */
    ConfigOptions withMoreSettings(List<String> more) {
        ConfigOptions c = new ConfigOptions();
        c.files = files;
        c.recursive = recursive;
        c.namespace = namespace;
        c.set = new ArrayList<>(set);
        c.set.addAll(more);
        c.maxFileSize = maxFileSize;
        c.maxScalarSize = maxScalarSize;
        c.kubernetes = kubernetes;
        c.kubeconfig = kubeconfig;
        c.context = context;
        // the cluster is read once too: both sides of a diff see the same objects
        if (kubernetes) {
            c.cluster = cluster();
        }
        // standard input can be read once: the copies share its bytes
        if (files.stream().anyMatch(ConfigSource::isStdin)) {
            c.stdin = stdin();
        }
        return c;
    }

    /** The same options with more -f files (one side of {@code diff}). */
    ConfigOptions withMoreFiles(List<String> more) {
        ConfigOptions c = withMoreSettings(List.of());
        c.files = new ArrayList<>(files);
        c.files.addAll(more);
        return c;
    }

    /** The cluster's objects, once read. */
    private List<ParsedObject> cluster;

    /**
     * The live cluster's objects with {@code --kubernetes}, read once; none without it.
     *
     * @throws ConfigLoading.ConfigurationError when the cluster cannot be read
     * @throws IllegalArgumentException         for --kubeconfig or --context without --kubernetes
     */
    public List<ParsedObject> cluster() {
        if (!kubernetes) {
            if (kubeconfig != null || context != null) {
                throw new IllegalArgumentException((kubeconfig != null ? "--kubeconfig" : "--context")
                        + " is for reading a cluster: add --kubernetes");
            }
            return List.of();
        }
        if (cluster == null) {
            cluster = ClusterReading.read(kubeconfig, context);
        }
        return cluster;
    }

    /** Standard input's bytes, once read: a command may ask for its sources more than once. */
    private byte[] stdin;

    /**
     * The {@code -f} sources; {@code -f -} reads standard input, at most the file size limit plus one byte, so
     * that the loader refuses a larger input as it refuses a larger file.
     *
     * @throws IllegalArgumentException for {@code -f -} given twice
     */
    public List<ConfigSource> sources() {
        if (files.stream().filter(ConfigSource::isStdin).count() > 1) {
            throw new IllegalArgumentException("-f - is given more than once; standard input can be read only once");
        }
        List<ConfigSource> out = new ArrayList<>();
        for (String f : files) {
            ConfigSource source = ConfigSource.parse(f);
            out.add(ConfigSource.isStdin(f) ? ConfigSource.stdin(stdin(), source.namespace()) : source);
        }
        return out;
    }

    private byte[] stdin() {
        if (stdin == null) {
            try {
                stdin = System.in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8,
                        loadOptions().limits().maxFileBytes() + 1));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read standard input: " + e.getMessage(), e);
            }
        }
        return stdin;
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
        long scalar = size("--max-yaml-scalar-size", maxScalarSize);
        if (scalar > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--max-yaml-scalar-size " + maxScalarSize + ": at most 2Gi");
        }
        YamlLimits limits;
        try {
            limits = new YamlLimits(size("--max-config-file-size", maxFileSize), (int) scalar);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-config-file-size/--max-yaml-scalar-size: " + e.getMessage());
        }
        return new LoadOptions(namespace, overrides, limits, recursive);
    }

    /** {@code 4194304}, {@code 4096Ki} or {@code 4Mi}, as Kubernetes writes quantities of bytes. */
    static long size(String flag, String value) {
        String v = value.strip();
        long unit = v.endsWith("Ki") ? 1L << 10 : v.endsWith("Mi") ? 1L << 20 : v.endsWith("Gi") ? 1L << 30 : 1;
        String digits = unit == 1 ? v : v.substring(0, v.length() - 2);
        try {
            long n = Long.parseLong(digits);
            if (n < 1 || n > (Long.MAX_VALUE >> 30)) {
                throw new NumberFormatException();
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " " + value + ": expected a positive number of bytes, "
                    + "optionally with Ki, Mi or Gi, e.g. 4Mi");
        }
    }
}
