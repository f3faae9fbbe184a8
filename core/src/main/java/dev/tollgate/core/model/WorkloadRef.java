package dev.tollgate.core.model;

import java.util.Map;
import java.util.Objects;

/** The identity a decision is made for: the workload's namespace, service account and pod labels. */
public record WorkloadRef(String namespace, String serviceAccount, Map<String, String> labels) {
    public WorkloadRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(serviceAccount, "serviceAccount");
        labels = Map.copyOf(labels);
    }

    /** The SPIFFE-less principal as AuthorizationPolicy writes it: {@code <td>/ns/<ns>/sa/<sa>}. */
    public String principal(String trustDomain) {
        return trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    /**
     * How people know the workload, for proxy names in logs, hops and metrics: {@code <namespace>/<app label>}, or
     * the service account when there is no {@code app} label (e.g. {@code istio-system/istio-egressgateway}, whose
     * service account is {@code istio-egressgateway-service-account}).
     */
    public String displayName() {
        String app = labels.get("app");
        return namespace + "/" + (app == null || app.isBlank() ? serviceAccount : app);
    }

    @Override
    public String toString() {
        return namespace + "/" + serviceAccount;
    }
}
