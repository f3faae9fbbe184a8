package dev.tollgate.control.watch;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * One kind the control plane watches, at one API version.
 *
 * @param istio whether it is one of Istio's kinds, whose {@code status} takes validation messages
 */
public record WatchedKind(String group, String version, String kind, String plural, boolean namespaced,
                          boolean istio) {

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    ResourceDefinitionContext context() {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(namespaced).build();
    }
}
