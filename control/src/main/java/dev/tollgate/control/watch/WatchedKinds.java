package dev.tollgate.control.watch;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the control plane watches. Istio's kinds are read as generic objects, not through typed classes: a typed
 * informer drops an object it cannot deserialize, so a malformed policy would vanish without a word, while the
 * loader must see it to refuse it and report it.
 */
public final class WatchedKinds {
    private static final Logger LOG = LoggerFactory.getLogger(WatchedKinds.class);

    /** The versions the file loader accepts (config's IstioKinds), most preferred first. */
    static final List<String> NETWORKING_VERSIONS = List.of("v1", "v1beta1", "v1alpha3");
    static final List<String> SECURITY_VERSIONS = List.of("v1", "v1beta1");

    /** Istio's kinds: kind, plural, group. */
    private static final List<String[]> ISTIO = List.of(
            new String[]{"ServiceEntry", "serviceentries", "networking.istio.io"},
            new String[]{"Sidecar", "sidecars", "networking.istio.io"},
            new String[]{"Gateway", "gateways", "networking.istio.io"},
            new String[]{"VirtualService", "virtualservices", "networking.istio.io"},
            new String[]{"DestinationRule", "destinationrules", "networking.istio.io"},
            new String[]{"AuthorizationPolicy", "authorizationpolicies", "security.istio.io"});

    /** Kubernetes' own kinds. EndpointSlices are watched, for the registry's endpoints to come. */
    static final List<WatchedKind> KUBERNETES = List.of(
            new WatchedKind("", "v1", "Namespace", "namespaces", false, false),
            new WatchedKind("", "v1", "Pod", "pods", true, false),
            new WatchedKind("", "v1", "ServiceAccount", "serviceaccounts", true, false),
            new WatchedKind("", "v1", "Service", "services", true, false),
            new WatchedKind("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, false));

    /** The {@code istio} ConfigMap, watched by name in the root namespace only. */
    static final WatchedKind CONFIG_MAP = new WatchedKind("", "v1", "ConfigMap", "configmaps", true, false);

    private WatchedKinds() {
    }

    /**
     * Istio's kinds, each at the most preferred version the cluster serves. An API server serves one stored object
     * under every version of its CRD, so watching one version sees every object once; watching all would see each
     * several times. A kind whose CRD is not installed is not watched (its informer would never sync), and said so.
     */
    static List<WatchedKind> istio(KubernetesClient client) {
        List<WatchedKind> out = new ArrayList<>();
        for (String[] k : ISTIO) {
            List<String> versions = k[2].startsWith("security") ? SECURITY_VERSIONS : NETWORKING_VERSIONS;
            Optional<String> served = versions.stream().filter(v -> serves(client, k[2] + "/" + v, k[0])).findFirst();
            if (served.isPresent()) {
                out.add(new WatchedKind(k[2], served.get(), k[0], k[1], true, true));
            } else {
                LOG.warn("the cluster serves {} in none of {} {}: its CRD is not installed, so it is not watched",
                        k[0], k[2], versions);
            }
        }
        return out;
    }

    private static boolean serves(KubernetesClient client, String apiVersion, String kind) {
        try {
            return client.supports(apiVersion, kind);
        } catch (KubernetesClientException e) {
            // discovery failing is no answer; starting without the kind would fail open, so fail the start
            throw new IllegalStateException("cannot ask the API server whether it serves " + apiVersion + " "
                    + kind + ": " + e.getMessage(), e);
        }
    }
}
