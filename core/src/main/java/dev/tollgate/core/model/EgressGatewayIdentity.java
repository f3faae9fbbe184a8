package dev.tollgate.core.model;

import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio's default egress gateway workload, which Tollgate assumes when the configuration declares none: the
 * {@code istio-egressgateway} deployment in {@code istio-system}, with the service account and pod labels that
 * Istio's chart gives it ({@code manifests/charts/gateways/istio-egress}: {@code values.yaml} labels
 * {@code app: istio-egressgateway}, {@code istio: egressgateway}; {@code templates/serviceaccount.yaml} names the
 * account {@code <name>-service-account}).
 */
public final class EgressGatewayIdentity {
    public static final String NAMESPACE = "istio-system";
    /** The deployment and Service name. */
    public static final String NAME = "istio-egressgateway";
    /** The Kubernetes Service in front of it, as sidecars' routes name it. */
    public static final String SERVICE_HOST = KubernetesService.host(NAME, NAMESPACE);
    public static final String SERVICE_ACCOUNT = "istio-egressgateway-service-account";
    /** The pod labels as a command-line default writes them. */
    public static final String LABELS_TEXT = "istio=egressgateway,app=istio-egressgateway";
    /** The pod labels; Gateways of Istio's egress tasks select {@code istio: egressgateway}. */
    public static final Map<String, String> LABELS = Map.of("istio", "egressgateway", "app", NAME);
    public static final WorkloadRef WORKLOAD = new WorkloadRef(NAMESPACE, SERVICE_ACCOUNT, LABELS);

    /**
     * Istio's annotation on the Gateway it converts from a Gateway API {@code Gateway}: the Kubernetes Service of
     * the deployment that serves it ({@code pilot/pkg/config/kube/gateway/conversion.go},
     * {@code extractGatewayServices}: {@code NAME-istio.NS.svc.DOMAIN}).
     */
    public static final String GATEWAY_SERVICE_ANNOTATION = "internal.istio.io/gateway-service";
    /** Istio's annotation naming that deployment's service account ({@code NAME-istio}). */
    public static final String SERVICE_ACCOUNT_ANNOTATION = "internal.istio.io/service-account-name";

    /** A gateway deployment declared by configuration rather than installed by Istio's chart. */
    public record Deployment(String serviceHost, WorkloadRef workload) {
    }

    private EgressGatewayIdentity() {
    }

    /**
     * The gateway deployments that Gateway API {@code Gateway}s declare, read off the annotations of the Istio
     * Gateways converted from them: their pods carry the Gateway's selector labels and run as the annotated account.
     */
    public static List<Deployment> deployments(List<Resource<Gateway>> gateways) {
        List<Deployment> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Resource<Gateway> g : gateways) {
            String host = g.annotations().get(GATEWAY_SERVICE_ANNOTATION);
            if (host == null || !seen.add(host)) {
                continue;
            }
            Map<String, String> labels = g.spec().getSelector() == null ? Map.of() : g.spec().getSelector();
            out.add(new Deployment(host, new WorkloadRef(g.namespace(),
                    g.annotations().getOrDefault(SERVICE_ACCOUNT_ANNOTATION, "default"), labels)));
        }
        return out;
    }

    /** Every egress gateway Service a sidecar may route to: Istio's default one and those the Gateways declare. */
    public static Set<String> serviceHosts(List<Resource<Gateway>> gateways) {
        Set<String> out = new LinkedHashSet<>();
        out.add(SERVICE_HOST);
        deployments(gateways).forEach(d -> out.add(d.serviceHost()));
        return Set.copyOf(out);
    }

    /** A workload labelled as an egress gateway ({@code istio: egressgateway}), whatever Gateway selects it. */
    public static boolean labelled(Map<String, String> labels) {
        return "egressgateway".equals(labels.get("istio"));
    }
}
