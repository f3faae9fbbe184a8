package dev.tollgate.config;

import dev.tollgate.core.model.Kind;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;

import java.util.Optional;
import java.util.Set;

/**
 * For each kind Tollgate reads (the Istio kinds it enforces, and Kubernetes' NetworkPolicy, which analyze judges):
 * the apiVersions it is served under, its spec class and its rules.
 */
final class IstioKinds {
    private static final Set<String> NETWORKING_VERSIONS = Set.of("networking.istio.io/v1alpha3",
            "networking.istio.io/v1beta1", "networking.istio.io/v1");
    static final String NETWORK_POLICY_VERSION = "networking.k8s.io/v1";
    private static final Set<String> SECURITY_VERSIONS = Set.of("security.istio.io/v1beta1", "security.istio.io/v1");

    private IstioKinds() {
    }

    static Optional<Kind> byName(String kind) {
        for (Kind k : Kind.values()) {
            if (k.kubernetesName().equals(kind)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    static Set<String> apiVersions(Kind kind) {
        return switch (kind) {
            case AUTHORIZATION_POLICY -> SECURITY_VERSIONS;
            case NETWORK_POLICY -> Set.of(NETWORK_POLICY_VERSION);
            case SERVICE -> Set.of("v1");
            default -> NETWORKING_VERSIONS;
        };
    }

    /**
     * Whether a document of {@code kind} under API group {@code group} is this kind: Calico, Antrea and others have
     * kinds named NetworkPolicy in their own groups, which Tollgate does not read. Kubernetes' own groups
     * ({@code networking.k8s.io}, and the {@code extensions} of old) are, so a wrong version there is an error.
     */
    static boolean isThisKind(Kind kind, String group) {
        // Knative's serving.knative.dev Service is no Kubernetes Service; the core group has no name
        return switch (kind) {
            case NETWORK_POLICY -> group.equals("networking.k8s.io") || group.equals("extensions");
            case SERVICE -> group.isEmpty();
            default -> true;
        };
    }

    static Class<?> specClass(Kind kind) {
        return switch (kind) {
            case SERVICE_ENTRY -> ServiceEntry.class;
            case SIDECAR -> Sidecar.class;
            case GATEWAY -> Gateway.class;
            case VIRTUAL_SERVICE -> VirtualService.class;
            case DESTINATION_RULE -> DestinationRule.class;
            case AUTHORIZATION_POLICY -> AuthorizationPolicy.class;
            case WORKLOAD_ENTRY -> WorkloadEntry.class;
            case NETWORK_POLICY -> NetworkPolicySpec.class;
            case SERVICE -> ServiceSpec.class;
        };
    }

    /** The per-kind validation, each a port of Istio's validation for that kind. */
    static void validate(Kind kind, FieldNode spec, String namespace, Problems.Scoped p) {
        switch (kind) {
            case AUTHORIZATION_POLICY -> AuthorizationPolicyRules.validate(spec, p);
            case SERVICE_ENTRY -> ServiceEntryRules.validate(spec, namespace, p);
            case GATEWAY -> GatewayRules.validate(spec, p);
            case VIRTUAL_SERVICE -> VirtualServiceRules.validate(spec, namespace, p);
            case DESTINATION_RULE -> DestinationRuleRules.validate(spec, namespace, p);
            case SIDECAR -> SidecarRules.validate(spec, p);
            case NETWORK_POLICY -> NetworkPolicyRules.validate(spec, p);
            case SERVICE -> ServiceRules.validate(spec, p);
            case WORKLOAD_ENTRY -> WorkloadEntryRules.validate(spec, p);
        }
    }
}
