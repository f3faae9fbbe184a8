package dev.tollgate.core.tutorial;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.Hop;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static dev.tollgate.core.tutorial.TutorialFixtures.GOOGLE;
import static dev.tollgate.core.tutorial.TutorialFixtures.OTHERNS_SLEEP;
import static dev.tollgate.core.tutorial.TutorialFixtures.httpHead;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hops name proxies the way people know the workloads: {@code <namespace>/<app label>}, else the service account
 * (the tutorial's gateway is istio-system/istio-egressgateway, not its service account
 * istio-egressgateway-service-account).
 */
class ProxyNamesTest {

    static Stream<Arguments> gateways() {
        return Stream.of(
                Arguments.of(Named.of("no gateway workload declared: Istio's default deployment",
                        TestConfig.create()), "gateway istio-system/istio-egressgateway"),
                Arguments.of(Named.of("the tutorial's gateway workload", TestConfig.create()
                        .workload("istio-system", "istio-egressgateway", "istio-egressgateway-service-account",
                                Map.of("istio", "egressgateway", "app", "istio-egressgateway"))),
                        "gateway istio-system/istio-egressgateway"),
                Arguments.of(Named.of("a gateway workload with its own app label", TestConfig.create()
                        .workload("istio-system", "corp-egress", "corp-egress-sa",
                                Map.of("istio", "egressgateway", "app", "corp-egress"))),
                        "gateway istio-system/corp-egress"),
                Arguments.of(Named.of("a gateway workload without an app label: its service account",
                        TestConfig.create().workload("istio-system", "corp-egress", "corp-egress-sa",
                                Map.of("istio", "egressgateway"))),
                        "gateway istio-system/corp-egress-sa"));
    }

    @ParameterizedTest
    @MethodSource("gateways")
    void gatewayHopsAreNamedAfterTheWorkloadsAppLabel(TestConfig config, String expected) {
        config.mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .workload("otherns", "sleep", "sleep", Map.of("app", "sleep"))
                .apply("istio-system", TutorialFixtures.read("b1-http-google.yaml"));
        CheckResult r = SnapshotCompiler.compile(config.build()).check(OTHERNS_SLEEP, httpHead(GOOGLE));
        assertThat(r.allowed()).isTrue();
        assertThat(r.hops()).extracting(h -> h.proxy().toString()).contains("sidecar otherns/sleep", expected)
                .noneMatch(p -> p.startsWith("gateway") && !p.equals(expected));
    }

    static Stream<Arguments> names() {
        return Stream.of(
                Arguments.of(new WorkloadRef("istio-system", "istio-egressgateway-service-account",
                        Map.of("app", "istio-egressgateway")), "istio-system/istio-egressgateway"),
                Arguments.of(new WorkloadRef("default", "sleep-sa", Map.of()), "default/sleep-sa"),
                Arguments.of(new WorkloadRef("default", "sleep-sa", Map.of("app", " ")), "default/sleep-sa"),
                Arguments.of(new WorkloadRef("default", "sleep-sa", Map.of("version", "v1", "app", "sleep")),
                        "default/sleep"));
    }

    @ParameterizedTest
    @MethodSource("names")
    void displayNameIsTheAppLabelElseTheServiceAccount(WorkloadRef workload, String expected) {
        assertThat(workload.displayName()).isEqualTo(expected);
    }
}
