package dev.tollgate.cli;

import dev.tollgate.cli.inject.InjectionSettings;
import dev.tollgate.cli.inject.ManifestInjection;
import dev.tollgate.cli.inject.SidecarInjector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "inject", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Add Tollgate's sidecar to workload manifests, as 'istioctl kube-inject' does.",
        description = {
                "Reads Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs and",
                "CronJobs (multi-document YAML and List kinds; -f - for standard input) and writes them with, in each",
                "pod template:",
                "",
                "  - the tollgate-proxy container: 'tollgate sidecar --control-plane ...', uid 1337, non-root, read-only",
                "    root filesystem, ready on /ready of port 15021, its namespace, service account and pod name",
                "    from the downward API;",
                "  - volumes: the projected service-account token (audience tollgate) at /var/run/secrets/tokens,",
                "    the tollgate-ca-root ConfigMap at /var/run/secrets/tollgate, the pod's labels at",
                "    /etc/tollgate/podinfo/labels;",
                "  - the tollgate-init init container: 'tollgate capture-rules --apply --capture-port 15006",
                "    --proxy-uid 1337', with NET_ADMIN and NET_RAW only, so that every outbound TCP connection goes",
                "    through the sidecar;",
                "  - http_proxy, https_proxy and no_proxy (both cases) on the application containers, no_proxy",
                "    covering localhost, 127.0.0.1, ::1, .svc and .cluster.local;",
                "  - the annotation sidecar.tollgate.dev/status, saying what was added.",
                "",
                "With --native-sidecar (Kubernetes 1.29 or later) tollgate-proxy is an init container with",
                "restartPolicy: Always, after tollgate-init and before the pod's own init containers, with a startup",
                "probe on /ready: it starts before the pod's own init containers and applications, which wait until",
                "it has its configuration, and stops after them; a Job's pod completes although it keeps running.",
                "",
                "Other documents pass through unchanged. A pod template already injected (it has the status",
                "annotation or a tollgate-proxy container), one with sidecar.tollgate.dev/inject: \"false\" (annotation",
                "or label), and a hostNetwork pod are left as they are, each with a warning on standard error, so",
                "injecting twice changes nothing.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:written", "2:the input could not be read (file:line), or holds the sidecar's names without its status"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  tollgate inject -f deployment.yaml | kubectl apply -f -",
                "  kubectl get deployment sleep -o yaml | tollgate inject -f - | kubectl apply -f -",
                "  tollgate inject -f app.yaml --image registry.example.com/tollgate:0.1.0 -o app-injected.yaml"})
final class InjectCommand implements Callable<Integer> {
    static final String VERSION = "0.1.0";

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
            description = "A manifest to inject, or - for standard input. Repeatable; the outputs follow in order.")
    List<String> files = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of standard output.")
    Path output;

    @Option(names = "--image", paramLabel = "IMAGE", defaultValue = "tollgate:" + VERSION,
            description = "The image of the sidecar and the init container (default: ${DEFAULT-VALUE}).")
    String image;

    @Option(names = "--control-plane", paramLabel = "HOST:PORT", defaultValue = InjectionSettings.DEFAULT_CONTROL_PLANE,
            description = "The control plane the sidecars connect to (default: ${DEFAULT-VALUE}).")
    String controlPlane;

    @Option(names = "--native-sidecar",
            description = "Inject the proxy as a Kubernetes native sidecar (an init container with restartPolicy: Always; Kubernetes 1.29 or later), as Istio's ENABLE_NATIVE_SIDECARS.")
    boolean nativeSidecar;

    @Option(names = "--max-file-size", paramLabel = "SIZE", defaultValue = "4Mi",
            description = "The largest manifest read (bytes, or with Ki/Mi), default ${DEFAULT-VALUE}.")
    String maxFileSize;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (files.stream().filter("-"::equals).count() > 1) {
            throw new IllegalArgumentException("-f - is given more than once; standard input can be read only once");
        }
        long max = ConfigOptions.size("--max-file-size", maxFileSize);
        ManifestInjection injection = new ManifestInjection(new SidecarInjector(
                new InjectionSettings(image, controlPlane, VERSION, nativeSidecar)));
        List<String> outputs = new ArrayList<>();
        for (String f : files) {
            String source = f.equals("-") ? "<stdin>" : f;
            String text = read(f, max);
            try {
                outputs.add(injection.inject(source, text, w -> err.println("tollgate inject: " + source + ": " + w)));
            } catch (ManifestInjection.MalformedManifest e) {
                err.println("tollgate inject: " + e.getMessage());
                return 2;
            }
        }
        String all = String.join("---\n", outputs);
        if (output == null) {
            spec.commandLine().getOut().print(all);
            spec.commandLine().getOut().flush();
        } else {
            Files.writeString(output, all);
        }
        err.flush();
        return 0;
    }

    private static String read(String f, long max) throws IOException {
        byte[] bytes;
        if (f.equals("-")) {
            bytes = System.in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        } else {
            Path path = Path.of(f);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("-f " + f + ": no such file");
            }
            try (InputStream in = Files.newInputStream(path)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            }
        }
        if (bytes.length > max) {
            throw new IllegalArgumentException("-f " + f + ": larger than --max-file-size " + max + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
