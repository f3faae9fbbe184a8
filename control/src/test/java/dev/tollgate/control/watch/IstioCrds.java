package dev.tollgate.control.watch;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Istio's CRDs for fabric8's mock API server, the one definition the control plane's tests ({@link MockCluster}) and
 * the CLI's cluster tests share: the six kinds Tollgate reads, served at the versions Istio's chart declares (v1 and
 * v1beta1, and for networking v1alpha3), stored at v1, with the status subresource the control plane writes its
 * validation messages to.
 */
public final class IstioCrds {
    private static final String[][] KINDS = {
            {"networking.istio.io", "ServiceEntry", "serviceentries"},
            {"networking.istio.io", "Sidecar", "sidecars"},
            {"networking.istio.io", "Gateway", "gateways"},
            {"networking.istio.io", "VirtualService", "virtualservices"},
            {"networking.istio.io", "DestinationRule", "destinationrules"},
            {"security.istio.io", "AuthorizationPolicy", "authorizationpolicies"}};

    private IstioCrds() {
    }

    /** What the CRUD dispatcher needs to serve each kind at each version, status as a subresource. */
    public static List<CustomResourceDefinitionContext> contexts() {
        List<CustomResourceDefinitionContext> out = new ArrayList<>();
        for (String[] k : KINDS) {
            for (String v : versions(k[0])) {
                out.add(new CustomResourceDefinitionContext.Builder().withGroup(k[0]).withVersion(v).withKind(k[1])
                        .withPlural(k[2]).withScope("Namespaced").withStatusSubresource(true).build());
            }
        }
        return out;
    }

    /** Creates the CRDs through {@code client}, as installing Istio's chart (or its CRDs alone) does. */
    public static void install(KubernetesClient client) {
        for (String[] k : KINDS) {
            client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                    .withNewMetadata().withName(k[2] + "." + k[0]).endMetadata()
                    .withNewSpec().withGroup(k[0]).withScope("Namespaced")
                    .withNewNames().withKind(k[1]).withPlural(k[2]).endNames()
                    .withVersions(versions(k[0]).stream().map(v -> new CustomResourceDefinitionVersionBuilder()
                            .withName(v).withServed(true).withStorage(v.equals("v1"))
                            .withNewSubresources().withNewStatus().endStatus().endSubresources().build()).toList())
                    .endSpec().build()).create();
        }
    }

    /**
     * An Istio object as the API server stores it: at v1. The mock converts nothing between versions, and Istio's
     * versions share one schema, so the fixtures' v1beta1 and v1alpha3 are written as v1. Other objects unchanged.
     */
    public static GenericKubernetesResource storedVersion(GenericKubernetesResource r) {
        String v = r.getApiVersion();
        if (v.startsWith("networking.istio.io/") || v.startsWith("security.istio.io/")) {
            r.setApiVersion(v.substring(0, v.indexOf('/')) + "/v1");
        }
        return r;
    }

    private static List<String> versions(String group) {
        return group.startsWith("security") ? List.of("v1", "v1beta1") : List.of("v1", "v1alpha3", "v1beta1");
    }
}
