package dev.tollgate.cli;

import dev.tollgate.control.ControlPlane;
import dev.tollgate.control.ca.CaSecret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** {@code tollgate control}: the control plane, as istiod for Tollgate's proxies. */
@Command(name = "control", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Run the control plane in (or against) a Kubernetes cluster.",
        description = {
                "It watches the cluster's Istio resources, Services, Pods and the istio ConfigMap, validates them",
                "with the loader 'check' uses (an invalid object is reported on itself and changes no decision),",
                "and serves on one gRPC port, as istiod does on 15012:",
                "  - the CA: a workload certificate for exactly the service account its projected token proves",
                "    (audience tollgate, checked with the TokenReview API); the root comes from the Secret",
                "    --ca-secret in --namespace (keys ca.crt, ca.key; make it from a 'tollgate ca init' folder);",
                "  - the config push: each proxy, authenticated by its workload certificate, gets only what its",
                "    decisions can depend on (a sidecar what its namespace may see, a gateway what it enforces),",
                "    again whenever that changes; its acknowledgements and rejections are counted on /metrics",
                "    (tollgate_config_push_total{result=\"ack|nack\"}) and a rejection is logged.",
                "A replica holds no state of its own and serves no configuration until its informers have synced:",
                "/ready on --admin answers 503 until then, and the proxies keep their last good configuration.",
                "Without --kubeconfig it finds the cluster as kubectl does (KUBECONFIG, ~/.kube/config), or from",
                "the pod's service account in the cluster. Logs go to standard error.",
                ""},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # in the cluster (the Deployment's arguments): everything at its default",
                "  tollgate control",
                "",
                "  # from a workstation, against a kind cluster, without privileged ports",
                "  tollgate control --context kind-kind --listen 127.0.0.1:15012 --admin 127.0.0.1:15014",
                "  curl -s 127.0.0.1:15014/ready"})
final class ControlCommand implements Callable<Integer> {

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The kubeconfig to use, as kubectl's --kubeconfig (default: KUBECONFIG, ~/.kube/config, then the in-cluster service account).")
    File kubeconfig;

    @Option(names = "--context", paramLabel = "NAME",
            description = "The kubeconfig context to use, as kubectl's --context (default: the current context).")
    String context;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "tollgate-system",
            description = "The control plane's own namespace, where the CA Secret is (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:15012",
            description = "The gRPC address of the CA and the config push (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:15014",
            description = "/healthz, /ready and /metrics, for the kubelet's probes and Prometheus; no configuration is readable there (default: ${DEFAULT-VALUE}).")
    String admin;

    @Option(names = "--ca-secret", paramLabel = "NAME", defaultValue = CaSecret.DEFAULT_NAME,
            description = "The Secret in --namespace holding the CA root (ca.crt, ca.key); read, never created (default: ${DEFAULT-VALUE}).")
    String caSecret;

    @Option(names = "--server-name", paramLabel = "DNS", defaultValue = "tollgate-control.tollgate-system.svc",
            description = "The name proxies dial, on the serving certificate (with .cluster.local appended too, for a .svc name) (default: ${DEFAULT-VALUE}).")
    String serverName;

    @Option(names = "--root-namespace", paramLabel = "NS", defaultValue = "istio-system",
            description = "Istio's root namespace: where the istio ConfigMap is read, and policies there apply mesh-wide (default: ${DEFAULT-VALUE}).")
    String rootNamespace;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Told of the running control plane and how to stop it; tests stop it so, a process by its signal. */
    Consumer<Runnable> onStarted = stop -> { };

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        InetSocketAddress grpc = SidecarCommand.ProxyOptions.address(listen, "--listen");
        InetSocketAddress adminAddress = SidecarCommand.ProxyOptions.address(admin, "--admin");
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config()).build();
             ControlPlane plane = ControlPlane.start(client, meters, new ControlPlane.Options(namespace, grpc,
                     caSecret, serverNames(serverName), rootNamespace));
             ControlAdmin adminServer = ControlAdmin.start(adminAddress, plane::ready, plane::status, meters)) {
            err.println("tollgate control: watching " + client.getMasterUrl() + ", gRPC (CA and config) on port "
                    + plane.port() + ", admin on " + adminServer.address() + "; ready once the watch has synced");
            err.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(stopped::countDown, "tollgate-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            onStarted.accept(stopped::countDown);
            stopped.await();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what stopped us
            }
            return 0;
        }
    }

    private Config config() {
        if (kubeconfig != null) {
            if (!kubeconfig.isFile()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--kubeconfig " + kubeconfig
                        + ": no such file");
            }
            return Config.fromKubeconfig(context, kubeconfig);
        }
        return Config.autoConfigure(context);
    }

    /** The serving certificate's names: a {@code .svc} name also with the cluster domain, as pods may dial either. */
    static List<String> serverNames(String name) {
        List<String> out = new ArrayList<>(List.of(name));
        if (name.endsWith(".svc")) {
            out.add(name + ".cluster.local");
        }
        return out;
    }
}
