package dev.tollgate.core.routing;

import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.UpstreamTls;
import dev.tollgate.core.snapshot.Protocol;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** istio.io's egress tasks, whole path: the configuration each task applies and the request it sends. */
class IstioEgressTasksTest {
    static final OutboundRequest POLITICS = OutboundRequest.http("edition.cnn.com", 80,
            new HttpRequestInfo("GET", "edition.cnn.com", "/politics", Map.of()));

    static MeshSnapshot task(String file) {
        try (InputStream in = IstioEgressTasksTest.class.getResourceAsStream("/routing/" + file)) {
            String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return SnapshotCompiler.compile(TestConfig.create()
                    .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                    .apply("default", yaml).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void egressGatewaysHttpGoesPlainThroughTheGatewaysPort80() {
        // "Egress Gateways": no DestinationRule TLS, so plain HTTP to the gateway's HTTP server.
        MeshSnapshot s = task("istio-io-egress-gateway-http.yaml");
        var f = (OutboundDecision.Forward) s.outbound(RoutingCase.SLEEP, POLITICS);
        assertThat(f.viaGateway()).isTrue();
        assertThat(f.upstream().port()).isEqualTo(80);
        assertThat(f.upstream().tls().mode()).isEqualTo(TlsMode.DISABLE);
        CheckResult r = s.check(RoutingCase.SLEEP, POLITICS);
        assertThat(r.allowed()).as(r.reason()).isTrue();
        assertThat(r.upstream().orElseThrow().host()).isEqualTo("edition.cnn.com");
        assertThat(r.upstream().orElseThrow().port()).isEqualTo(80);
        assertThat(r.reason()).contains("VirtualService default/direct-cnn-through-egress-gateway http[1]");
    }

    /**
     * A Gateway without a selector applies to every gateway workload (Istio's mergeGateways: "no selector. Applies to
     * all workloads asking for the gateway"), but it does not make a workload a gateway: a pod of istio-system that
     * no selector names is not the gateway behind istio-egressgateway.istio-system.
     */
    @Test
    void aGatewayWithoutSelectorStillServesTheEgressGatewayAndNoOtherWorkload() throws IOException {
        String yaml;
        try (InputStream in = IstioEgressTasksTest.class.getResourceAsStream(
                "/routing/istio-io-egress-gateway-http.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String withoutSelector = yaml.replace("  selector:\n    istio: egressgateway\n", "");
        assertThat(withoutSelector).isNotEqualTo(yaml);
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("default", withoutSelector)
                .workload("istio-system", "prometheus", "prometheus", Map.of("app", "prometheus")).build());
        CheckResult r = s.check(RoutingCase.SLEEP, POLITICS);
        assertThat(r.allowed()).as(r.reason()).isTrue();
        assertThat(r.hops()).extracting(h -> h.proxy().toString()).contains("gateway istio-system/istio-egressgateway")
                .doesNotContain("gateway istio-system/prometheus");
    }

    @Test
    void egressGatewayWithTlsOriginationOriginatesAtTheGateway() {
        MeshSnapshot s = task("istio-io-egress-gateway-tls-origination.yaml");
        var f = (OutboundDecision.Forward) s.outbound(RoutingCase.SLEEP, POLITICS);
        assertThat(f.upstream().tls().mode()).isEqualTo(TlsMode.ISTIO_MUTUAL);
        assertThat(f.upstream().tls().sni()).contains("edition.cnn.com");
        CheckResult r = s.check(RoutingCase.SLEEP, POLITICS);
        assertThat(r.allowed()).as(r.reason()).isTrue();
        assertThat(r.upstream().orElseThrow().port()).isEqualTo(443);
        assertThat(r.upstream().orElseThrow().tls().mode()).isEqualTo(TlsMode.SIMPLE);
        assertThat(r.upstream().orElseThrow().tls().sni()).contains("edition.cnn.com");
    }

    @Test
    void egressTlsOriginationAtTheSidecarConnectsToTheTargetPort() {
        // "Egress TLS Origination": port 80 with targetPort 443 and a port-80 DestinationRule with SIMPLE.
        MeshSnapshot s = task("istio-io-egress-tls-origination.yaml");
        var f = (OutboundDecision.Forward) s.outbound(RoutingCase.SLEEP, POLITICS);
        assertThat(f.viaGateway()).isFalse();
        assertThat(f.route()).isEqualTo("outbound|80||edition.cnn.com");
        assertThat(f.upstream().port()).isEqualTo(443);
        assertThat(f.upstream().tls().mode()).isEqualTo(TlsMode.SIMPLE);
        assertThat(f.upstream().tls().sni()).contains("edition.cnn.com");
    }

    @Test
    void egressGatewayForHttpsForwardsTheClientsOwnTlsToAPassthroughServer() {
        // "Egress gateway for HTTPS traffic": the subset sets no tls, so the sidecar forwards the application's TLS
        // as it is and the PASSTHROUGH server matches the client's SNI, not a DestinationRule sni.
        MeshSnapshot s = task("istio-io-egress-gateway-https-passthrough.yaml");
        OutboundRequest cnn = OutboundRequest.tls("edition.cnn.com", 443);
        var f = (OutboundDecision.Forward) s.outbound(RoutingCase.SLEEP, cnn);
        assertThat(f.viaGateway()).isTrue();
        assertThat(f.upstream().port()).isEqualTo(443);
        assertThat(f.upstream().tls()).isEqualTo(UpstreamTls.NONE);
        CheckResult r = s.check(RoutingCase.SLEEP, cnn);
        assertThat(r.allowed()).as(r.reason()).isTrue();
        assertThat(r.upstream().orElseThrow().host()).isEqualTo("edition.cnn.com");
        assertThat(r.upstream().orElseThrow().tls().mode()).isEqualTo(TlsMode.DISABLE);
        assertThat(r.hops()).anySatisfy(h -> {
            assertThat(h.proxy().toString()).startsWith("gateway");
            assertThat(h.stage()).isEqualTo(Stage.SERVER);
            assertThat(h.detail()).contains("SNI edition.cnn.com");
        });
    }

    @Test
    void wildcardEgressHostsPassTheClientsSniThroughTheGateway() {
        // "Egress using Wildcard Hosts": *.wikipedia.org, PASSTHROUGH, routed at the gateway to www.wikipedia.org.
        MeshSnapshot s = task("istio-io-egress-wildcard-passthrough.yaml");
        CheckResult r = s.check(RoutingCase.SLEEP, OutboundRequest.tls("en.wikipedia.org", 443));
        assertThat(r.allowed()).as(r.reason()).isTrue();
        assertThat(r.upstream().orElseThrow().host()).isEqualTo("www.wikipedia.org");
        assertThat(r.hops()).anySatisfy(h -> assertThat(h.detail()).contains("SNI en.wikipedia.org"));
    }

    @Test
    void aPassthroughServerSeesTheSniTheClientSentNotTheRequestedHost() {
        // Hostile: CONNECT to the routed host with a ClientHello for another name; the gateway matches what it reads.
        MeshSnapshot s = task("istio-io-egress-gateway-https-passthrough.yaml");
        CheckResult r = s.check(RoutingCase.SLEEP, new OutboundRequest(Protocol.TLS, "edition.cnn.com", 443,
                Optional.of("evil.example.com"), Optional.empty()));
        assertThat(r.allowed()).isFalse();
    }

    @Test
    void theApplicationsOwnTlsToATerminatingServerFailsAndSaysSo() {
        // The HTTPS task's VirtualService with the gateway server switched to SIMPLE: the subset still sets no
        // tls, so the gateway receives the application's ClientHello and would answer with its own certificate.
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("default", read("istio-io-egress-gateway-https-passthrough.yaml")
                        .replace("mode: PASSTHROUGH", "mode: SIMPLE\n      credentialName: cnn")).build());
        CheckResult r = s.check(RoutingCase.SLEEP, OutboundRequest.tls("edition.cnn.com", 443));
        assertThat(r.outcome()).isEqualTo(Verdict.NO_ROUTE);
        assertThat(r.reason()).contains("the application's own TLS").contains("terminate");
    }

    @Test
    void aSidecarThatSendsPlainBytesToAnIstioMutualServerFails() {
        // The TLS-origination task with its egressgateway-for-cnn subset set to DISABLE: no handshake with the gateway.
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .apply("default", read("istio-io-egress-gateway-tls-origination.yaml")
                        .replace("mode: ISTIO_MUTUAL\n          sni: edition.cnn.com", "mode: DISABLE")).build());
        CheckResult r = s.check(RoutingCase.SLEEP, POLITICS);
        assertThat(r.outcome()).isEqualTo(Verdict.NO_ROUTE);
        assertThat(r.reason()).contains("the sidecar sends plain bytes").contains("terminate TLS");
    }

    @Test
    void aRouteToASubsetNoRuleDefinesFindsNoRoute() {
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .apply("default", read("istio-io-egress-gateway-tls-origination.yaml")
                        .replace("host: istio-egressgateway.istio-system.svc.cluster.local\n  subsets",
                                "host: unused.example.com\n  subsets")).build());
        CheckResult r = s.check(RoutingCase.SLEEP, POLITICS);
        assertThat(r.outcome()).isEqualTo(Verdict.NO_ROUTE);
        assertThat(r.reason()).contains("subset cnn");
    }

    @Test
    void aSidecarOpeningMutualTlsToAPlainHttpServerFails() {
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .apply("default", read("istio-io-egress-gateway-http.yaml").replace("""
                          subsets:
                          - name: cnn
                        """, """
                          subsets:
                          - name: cnn
                            trafficPolicy: {tls: {mode: ISTIO_MUTUAL, sni: edition.cnn.com}}
                        """)).build());
        CheckResult r = s.check(RoutingCase.SLEEP, POLITICS);
        assertThat(r.outcome()).isEqualTo(Verdict.NO_ROUTE);
        assertThat(r.reason()).contains("takes plain HTTP");
    }

    @Test
    void explainSaysWhichVirtualServiceRoutedAtTheGatewayAndWhyOthersDidNot() {
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .apply("default", read("istio-io-egress-gateway-http.yaml") + """
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: elsewhere}
                        spec:
                          hosts: [edition.cnn.com]
                          gateways: [istio-system/other-gateway]
                          http:
                          - route: [{destination: {host: edition.cnn.com}}]
                        """).build());
        var e = s.explain(RoutingCase.SLEEP, POLITICS);
        assertThat(e.result().allowed()).isTrue();
        assertThat(e.considerations()).anySatisfy(c -> {
            assertThat(c.resource().name()).isEqualTo("elsewhere");
            assertThat(c.applied()).isFalse();
            assertThat(c.why()).contains("not to default/istio-egressgateway");
        });
        assertThat(e.considerations()).anySatisfy(c -> {
            assertThat(c.resource().name()).isEqualTo("direct-cnn-through-egress-gateway");
            assertThat(c.applied()).isTrue();
            assertThat(c.why()).contains("bound to default/istio-egressgateway");
        });
        assertThat(e.considerations()).anySatisfy(c -> {
            assertThat(c.resource().name()).isEqualTo("istio-egressgateway");
            assertThat(c.why()).contains("selector");
        });
    }

    static String read(String file) {
        try (InputStream in = IstioEgressTasksTest.class.getResourceAsStream("/routing/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
