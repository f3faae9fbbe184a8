package dev.tollgate.core.model;

import java.util.Map;

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
    public static final String SERVICE_HOST = NAME + "." + NAMESPACE + ".svc.cluster.local";
    public static final String SERVICE_ACCOUNT = "istio-egressgateway-service-account";
    /** The pod labels as a command-line default writes them. */
    public static final String LABELS_TEXT = "istio=egressgateway,app=istio-egressgateway";
    /** The pod labels; Gateways of Istio's egress tasks select {@code istio: egressgateway}. */
    public static final Map<String, String> LABELS = Map.of("istio", "egressgateway", "app", NAME);
    public static final WorkloadRef WORKLOAD = new WorkloadRef(NAMESPACE, SERVICE_ACCOUNT, LABELS);

    private EgressGatewayIdentity() {
    }

    /** A workload labelled as an egress gateway ({@code istio: egressgateway}), whatever Gateway selects it. */
    public static boolean labelled(Map<String, String> labels) {
        return "egressgateway".equals(labels.get("istio"));
    }
}
