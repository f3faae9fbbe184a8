package dev.tollgate.cli;

import dev.tollgate.config.ParsedObject;
import dev.tollgate.control.watch.ClusterListing;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.File;
import java.util.List;

/**
 * {@code --kubernetes}: the live cluster's objects, read once through the kubeconfig as kubectl and istioctl read
 * them. Every failure (no kubeconfig, an unknown context, an unreachable or refusing API server) is one line and
 * exit status 2: a check against a cluster that could not be read must never answer as if it were empty.
 */
final class ClusterReading {
    /** Where the istio ConfigMap is read, as istioctl's --istioNamespace defaults. */
    static final String ISTIO_NAMESPACE = "istio-system";

    private ClusterReading() {
    }

    static List<ParsedObject> read(String kubeconfig, String context) {
        Config config = config(kubeconfig, context);
        String where = "the cluster at " + config.getMasterUrl()
                + (config.getCurrentContext() == null ? "" : " (context " + config.getCurrentContext().getName() + ")");
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            return ClusterListing.list(client, ISTIO_NAMESPACE);
        } catch (KubernetesClientException e) {
            throw new ConfigLoading.ConfigurationError(failure(where, e));
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof KubernetesClientException k) {
                throw new ConfigLoading.ConfigurationError(failure(where, k));
            }
            throw new ConfigLoading.ConfigurationError("cannot read " + where + ": " + e.getMessage());
        }
    }

    private static Config config(String kubeconfig, String context) {
        Config base;
        try {
            if (kubeconfig != null) {
                File file = new File(kubeconfig);
                if (!file.isFile()) {
                    throw new ConfigLoading.ConfigurationError("--kubeconfig " + kubeconfig + ": no such file");
                }
                base = Config.fromKubeconfig(context, file);
            } else {
                base = Config.autoConfigure(context);
            }
        } catch (KubernetesClientException | IllegalArgumentException e) {
            throw new ConfigLoading.ConfigurationError("cannot read the kubeconfig"
                    + (kubeconfig == null ? "" : " " + kubeconfig) + ": " + e.getMessage());
        }
        // fabric8 falls back to the current context when the one asked for is missing; kubectl refuses, and so
        // does this: the wrong cluster's answer would look like the right one's
        if (context != null && (base.getCurrentContext() == null
                || !context.equals(base.getCurrentContext().getName()))) {
            throw new ConfigLoading.ConfigurationError("--context " + context + ": no such context in the kubeconfig"
                    + (kubeconfig == null ? " ($KUBECONFIG or ~/.kube/config)" : " " + kubeconfig));
        }
        // one attempt, as kubectl makes: retrying with backoff would keep a mistyped server waiting for minutes
        return new ConfigBuilder(base).withRequestRetryBackoffLimit(0).withConnectionTimeout(10_000)
                .withRequestTimeout(30_000).build();
    }

    private static String failure(String where, KubernetesClientException e) {
        return switch (e.getCode()) {
            case 401 -> "cannot read " + where + ": unauthorized (the kubeconfig's credentials were refused)";
            case 403 -> "cannot read " + where + ": forbidden (" + status(e) + "); reading needs list on the kinds "
                    + "the control plane watches";
            default -> "cannot read " + where + ": " + (e.getCode() > 0 ? "HTTP " + e.getCode() + " (" + status(e)
                    + ")" : rootMessage(e));
        };
    }

    private static String status(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : e.getMessage();
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root == t ? m : m == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": " + m;
    }
}
