package dev.tollgate.core.model;

import java.util.Map;
import java.util.Objects;

/**
 * A workload known from Kubernetes manifests (Pod, Deployment) or given on the command line.
 *
 * @param name the Deployment or Pod name, for messages only
 */
public record Workload(String namespace, String name, String serviceAccount, Map<String, String> labels, Origin origin) {
    public Workload {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
        labels = Map.copyOf(labels);
        origin = origin == null ? Origin.UNKNOWN : origin;
    }

    public WorkloadRef ref() {
        return new WorkloadRef(namespace, serviceAccount, labels);
    }
}
