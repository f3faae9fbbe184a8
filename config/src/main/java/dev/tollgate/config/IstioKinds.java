package dev.tollgate.config;

import dev.tollgate.core.model.Kind;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;

import java.util.Optional;
import java.util.Set;

/** For each Istio kind Tollgate enforces: the apiVersions it is served under, its spec class and its rules. */
final class IstioKinds {
    private static final Set<String> NETWORKING_VERSIONS = Set.of("networking.istio.io/v1alpha3",
            "networking.istio.io/v1beta1", "networking.istio.io/v1");
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
        return kind == Kind.AUTHORIZATION_POLICY ? SECURITY_VERSIONS : NETWORKING_VERSIONS;
    }

    static Class<?> specClass(Kind kind) {
        return switch (kind) {
            case SERVICE_ENTRY -> ServiceEntry.class;
            case SIDECAR -> Sidecar.class;
            case GATEWAY -> Gateway.class;
            case VIRTUAL_SERVICE -> VirtualService.class;
            case DESTINATION_RULE -> DestinationRule.class;
            case AUTHORIZATION_POLICY -> AuthorizationPolicy.class;
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
        }
    }
}
