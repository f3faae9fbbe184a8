package dev.tollgate.core.registry;

import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.tollgate.core.registry.RegistryCase.se;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link SidecarScope#visibleServices}: the whole view, consistent with {@link SidecarScope#lookup}. */
class VisibleServicesTest {
    private static final WorkloadRef DEFAULT_SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));
    private static final WorkloadRef OTHERNS_SLEEP = new WorkloadRef("otherns", "sleep", Map.of("app", "sleep"));

    @Test
    void tutorialA5ListsWhatEachNamespaceCanReach() {
        TestConfig config = TestConfig.create();
        config.apply("default", TutorialPartATest.fixture("google-serviceentry.yaml"));
        config.apply("otherns", TutorialPartATest.fixture("google-serviceentry.yaml"));
        config.apply("default", TutorialPartATest.fixture("yahoo-serviceentry.yaml"));
        Registry registry = Registry.compile(config.build());

        assertThat(listing(registry.scopeFor(DEFAULT_SLEEP))).containsExactly(
                "developer.yahoo.com:443 default/external-developer-yahoo-com",
                "developers.google.com:443 default/external-developers-google-com",
                EgressGatewayIdentity.SERVICE_HOST + ":80 istio-system/istio-egressgateway",
                EgressGatewayIdentity.SERVICE_HOST + ":443 istio-system/istio-egressgateway");
        assertThat(listing(registry.scopeFor(OTHERNS_SLEEP))).containsExactly(
                "developers.google.com:443 otherns/external-developers-google-com",
                EgressGatewayIdentity.SERVICE_HOST + ":80 istio-system/istio-egressgateway",
                EgressGatewayIdentity.SERVICE_HOST + ":443 istio-system/istio-egressgateway");
    }

    @Test
    void portListenersDecideTheirPortAndTheCatchAllTheRest() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("otherns", se("google", "developers.google.com", "443/TLS,80/HTTP"))
                .apply("default", """
                        apiVersion: networking.istio.io/v1
                        kind: Sidecar
                        metadata: {name: default}
                        spec:
                          egress:
                          - port: {number: 443, protocol: TLS, name: tls}
                            hosts: ["*/developers.google.com"]
                          - hosts: ["./*"]
                        """).build());

        assertThat(listing(registry.scopeFor(DEFAULT_SLEEP)))
                .containsExactly("developers.google.com:443 otherns/google");
    }

    @Test
    void everyListedPairIsWhatLookupAnswers() {
        Registry registry = Registry.compile(TestConfig.create()
                .apply("aaa", se("google-a", "developers.google.com", "443/TLS"))
                .apply("default", se("google-d", "developers.google.com", "80/HTTP"))
                .apply("default", se("wild", "*.example.com", "443/TLS,8443/TLS"))
                .apply("bbb", se("exact", "api.example.com", "443/TLS", "."))
                .build());
        SidecarScope scope = registry.scopeFor(DEFAULT_SLEEP);

        for (ServiceMatch m : scope.visibleServices()) {
            if (m.wildcard()) {
                continue;
            }
            int port = m.port().orElseThrow().getNumber().intValue();
            assertThat(scope.lookup(m.matchedHost(), port)).as(m.matchedHost() + ":" + port).contains(m);
        }
        assertThat(listing(scope)).contains("developers.google.com:80 default/google-d", "*.example.com:8443 "
                + "default/wild").doesNotContain("developers.google.com:443 aaa/google-a");
    }

    private static List<String> listing(SidecarScope scope) {
        return scope.visibleServices().stream().map(m -> m.matchedHost() + ":" + m.port().orElseThrow().getNumber()
                + " " + m.entry().namespace() + "/" + m.entry().name()).toList();
    }
}
