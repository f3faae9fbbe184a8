package dev.tollgate.core.registry;

import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Istio egress tutorial's part B (docs/tutorial.md) at the registry level: with the ServiceEntry applied in
 * istio-system without exportTo ("exported to all namespaces by default"), every sleep workload's sidecar knows
 * developers.google.com:80 under REGISTRY_ONLY, and the egress gateway's Service, which its VirtualService routes to,
 * on port 80.
 */
class TutorialPartBTest {

    @ParameterizedTest(name = "{0}/sleep sees the istio-system entry and the gateway Service")
    @ValueSource(strings = {"default", "otherns"})
    void theIstioSystemEntryIsVisibleEverywhere(String namespace) {
        Registry registry = Registry.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("istio-system", TutorialPartATest.fixture("external-google-http.yaml")).build());
        SidecarScope scope = registry.scopeFor(new WorkloadRef(namespace, "sleep", Map.of("app", "sleep")));

        var google = scope.lookup("developers.google.com", 80).orElseThrow();
        assertThat(google.entry().key().toString()).isEqualTo("ServiceEntry istio-system/google");
        assertThat(google.port().orElseThrow().getName()).isEqualTo("http");

        var gateway = scope.destination(EgressGatewayIdentity.SERVICE_HOST, 80).orElseThrow();
        assertThat(Registry.isEgressGatewayService(gateway.entry())).isTrue();
        assertThat(gateway.port()).isPresent();
        assertThat(scope.outboundMode()).isEqualTo(OutboundMode.REGISTRY_ONLY);
    }

    @ParameterizedTest(name = "B0: {0}/sleep knows no google entry once the namespace entries are gone")
    @ValueSource(strings = {"default", "otherns"})
    void withoutEntriesNothingIsKnown(String namespace) {
        Registry registry = Registry.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY)).build());
        SidecarScope scope = registry.scopeFor(new WorkloadRef(namespace, "sleep", Map.of("app", "sleep")));

        assertThat(scope.lookup("developers.google.com", 443)).isEmpty();
        assertThat(scope.lookup("developer.yahoo.com", 443)).isEmpty();
    }
}
