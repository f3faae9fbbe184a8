package dev.tollgate.core.model;

import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;

import java.util.Objects;
import java.util.Optional;

/**
 * A Kubernetes {@code v1 Service} as Istio's service registry holds it ({@code pilot/pkg/serviceregistry/kube/
 * conversion.go ConvertService}), in the shape the registry reads every service in: a ServiceEntry spec. The config
 * module converts the manifest; the registry looks it up with the same rules as ServiceEntries (exportTo, Sidecar
 * imports), preferring it to a ServiceEntry of the same host as Istio does.
 *
 * <p>{@code entry}'s key is {@link Kind#SERVICE} and its spec holds: the one host {@link #host}; the ports with their
 * protocols already inferred ({@link PortProtocol#ofKubernetesPort}); {@code exportTo} from the
 * {@value #EXPORT_TO_ANNOTATION} annotation (empty: the mesh's {@code defaultServiceExportTo}); {@code addresses},
 * the ClusterIPs; {@code resolution} STATIC for a ClusterIP Service (Istio's ClientSideLB), NONE for a headless one
 * (Passthrough), location MESH_INTERNAL. No endpoints and no targetPorts: the proxy dials the Service's name and
 * port, which the cluster's DNS and kube-proxy carry to a pod.
 *
 * @param externalName for {@code type: ExternalName}, the name it points at. Istio treats such a Service as an alias
 *                     ({@code model.Alias}, {@code ENABLE_EXTERNAL_NAME_ALIAS}, on by default): it gets no listener,
 *                     cluster or route of its own, and its name matches wherever the service of that name matches;
 *                     its ports play no part
 */
public record KubernetesService(Resource<ServiceEntry> entry, Optional<String> externalName) {
    /**
     * The cluster's DNS domain: istiod's {@code --domain} (env {@code DOMAIN_SUFFIX}), {@code cluster.local} unless
     * the cluster was installed otherwise. It is no meshConfig setting, so Tollgate has it in this one place.
     */
    public static final String CLUSTER_DOMAIN = "cluster.local";
    /** Istio's {@code annotation.NetworkingExportTo}: comma-separated exportTo entries, spaces trimmed. */
    public static final String EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";

    public KubernetesService {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(externalName, "externalName");
        if (entry.key().kind() != Kind.SERVICE) {
            throw new IllegalArgumentException("not a Service: " + entry.key());
        }
    }

    /** {@code kube.ServiceHostname}: {@code NAME.NAMESPACE.svc.} and the cluster domain. */
    public static String host(String name, String namespace) {
        return name + "." + namespace + ".svc." + CLUSTER_DOMAIN;
    }

    /** The Service's one host, {@link #host(String, String)}. */
    public String host() {
        return host(entry.name(), entry.namespace());
    }

    public boolean alias() {
        return externalName.isPresent();
    }
}
