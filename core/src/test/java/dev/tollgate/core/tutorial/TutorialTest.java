package dev.tollgate.core.tutorial;

import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.snapshot.Explanation;
import dev.tollgate.core.snapshot.Hop;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.snapshot.Upstream;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.tollgate.core.model.OutboundMode.ALLOW_ANY;
import static dev.tollgate.core.model.OutboundMode.REGISTRY_ONLY;
import static dev.tollgate.core.tutorial.TutorialFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Istio egress tutorial (docs/tutorial.md), parts A and B, step by step, as {@code MeshSnapshot.check}. "ok" means
 * allowed; "blocked" means the sidecar refused; "403" means the egress gateway's authorization denied.
 */
class TutorialTest {

    enum Expect { OK, BLOCKED, DENIED }

    record Step(String step, OutboundMode mode, List<String> files) {
        Step(String step, OutboundMode mode, String... files) {
            this(step, mode, List.of(files));
        }
    }

    private static final Expect O = Expect.OK;
    private static final Expect B = Expect.BLOCKED;
    private static final Expect D = Expect.DENIED;

    /** One table row: the four (workload, host) pairs in the order default→google, default→yahoo, otherns→... */
    private static Stream<Arguments> row(Step step, java.util.function.Function<String, OutboundRequest> url,
                                         Expect dg, Expect dy, Expect og, Expect oy) {
        return Stream.of(
                Arguments.of(step, DEFAULT_SLEEP, url.apply(GOOGLE), dg),
                Arguments.of(step, DEFAULT_SLEEP, url.apply(YAHOO), dy),
                Arguments.of(step, OTHERNS_SLEEP, url.apply(GOOGLE), og),
                Arguments.of(step, OTHERNS_SLEEP, url.apply(YAHOO), oy));
    }

    static Stream<Arguments> partA() {
        var a3 = new String[]{"default=a3-google-serviceentry.yaml"};
        return Stream.of(
                // A1: "mesh ALLOW_ANY, no ServiceEntry": ok everywhere.
                row(new Step("A1", ALLOW_ANY), TutorialFixtures::https, O, O, O, O),
                // A2: "mesh REGISTRY_ONLY": blocked everywhere.
                row(new Step("A2", REGISTRY_ONLY), TutorialFixtures::https, B, B, B, B),
                // A3: google ServiceEntry (exportTo ".") in default only.
                row(new Step("A3", REGISTRY_ONLY, a3), TutorialFixtures::https, O, B, B, B),
                // A4: + the same in otherns.
                row(new Step("A4", REGISTRY_ONLY, "default=a3-google-serviceentry.yaml",
                        "otherns=a3-google-serviceentry.yaml"), TutorialFixtures::https, O, B, O, B),
                // A5: + yahoo ServiceEntry in default.
                row(new Step("A5", REGISTRY_ONLY, "default=a3-google-serviceentry.yaml",
                        "otherns=a3-google-serviceentry.yaml", "default=a5-yahoo-serviceentry.yaml"),
                        TutorialFixtures::https, O, O, O, B),
                // A6: + the same in otherns.
                row(new Step("A6", REGISTRY_ONLY, "default=a3-google-serviceentry.yaml",
                        "otherns=a3-google-serviceentry.yaml", "default=a5-yahoo-serviceentry.yaml",
                        "otherns=a5-yahoo-serviceentry.yaml"), TutorialFixtures::https, O, O, O, O)
        ).flatMap(s -> s);
    }

    static final String[] HTTP_GATEWAY = {"istio-system=b1-http-google.yaml", "istio-system=b1-http-yahoo.yaml"};

    static String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    static Stream<Arguments> partB() {
        return Stream.of(
                // B0: "remove the namespace ServiceEntries; REGISTRY_ONLY stays: all four blocked".
                row(new Step("B0", REGISTRY_ONLY), TutorialFixtures::httpHead, B, B, B, B),
                row(new Step("B0", REGISTRY_ONLY), TutorialFixtures::https, B, B, B, B),
                // B1: through the egress gateway, no policies: ok.
                row(new Step("B1", REGISTRY_ONLY, HTTP_GATEWAY), TutorialFixtures::httpHead, O, O, O, O),
                // B2: allow-nothing in istio-system: 403 everywhere.
                row(new Step("B2", REGISTRY_ONLY, with(HTTP_GATEWAY, "istio-system=b2-allow-nothing.yaml")),
                        TutorialFixtures::httpHead, D, D, D, D),
                // B2, the tutorial's misdiagnosed step: + allow-google applied without a namespace (lands in
                // default): still 403 everywhere.
                row(new Step("B2+allow-google", REGISTRY_ONLY, with(HTTP_GATEWAY, "istio-system=b2-allow-nothing.yaml",
                        "default=b2-allow-google-in-default.yaml")), TutorialFixtures::httpHead, D, D, D, D),
                // B3: deny-google (from otherns, sni google), deny-yahoo (from default, sni yahoo).
                row(new Step("B3", REGISTRY_ONLY, with(HTTP_GATEWAY, "istio-system=b3-deny-by-namespace.yaml")),
                        TutorialFixtures::httpHead, O, D, D, O)
        ).flatMap(s -> s);
    }

    static final String[] HTTPS_GATEWAY = {"istio-system=b5-https-google.yaml", "istio-system=b5-https-yahoo.yaml"};

    static Stream<Arguments> partB4B5() {
        Step b4 = new Step("B4", REGISTRY_ONLY, with(HTTP_GATEWAY, "istio-system=b4-deny-by-principal.yaml"));
        Step b5 = new Step("B5", REGISTRY_ONLY, with(HTTPS_GATEWAY, "istio-system=b4-deny-by-principal.yaml"));
        return Stream.of(
                // B4: "otherns/sleep-google: google ok, yahoo 403; sleep-yahoo: google 403, yahoo ok; sleep: both ok".
                Arguments.of(b4, SLEEP_GOOGLE, httpHead(GOOGLE), O),
                Arguments.of(b4, SLEEP_GOOGLE, httpHead(YAHOO), D),
                Arguments.of(b4, SLEEP_YAHOO, httpHead(GOOGLE), D),
                Arguments.of(b4, SLEEP_YAHOO, httpHead(YAHOO), O),
                Arguments.of(b4, OTHERNS_SLEEP, httpHead(GOOGLE), O),
                Arguments.of(b4, OTHERNS_SLEEP, httpHead(YAHOO), O),
                // B5: "default/sleep and otherns/sleep reach both hosts; sleep-google reaches only google and
                // sleep-yahoo only yahoo" (https://, TCP at the gateway).
                Arguments.of(b5, DEFAULT_SLEEP, https(GOOGLE), O),
                Arguments.of(b5, DEFAULT_SLEEP, https(YAHOO), O),
                Arguments.of(b5, OTHERNS_SLEEP, https(GOOGLE), O),
                Arguments.of(b5, OTHERNS_SLEEP, https(YAHOO), O),
                Arguments.of(b5, SLEEP_GOOGLE, https(GOOGLE), O),
                Arguments.of(b5, SLEEP_GOOGLE, https(YAHOO), D),
                Arguments.of(b5, SLEEP_YAHOO, https(GOOGLE), D),
                Arguments.of(b5, SLEEP_YAHOO, https(YAHOO), O));
    }

    @ParameterizedTest(name = "{0}: {1} -> {2} is {3}")
    @MethodSource({"partA", "partB", "partB4B5"})
    void tutorialStep(Step step, WorkloadRef from, OutboundRequest request, Expect expected) {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(step.mode(), step.files().toArray(String[]::new));
        CheckResult result = snapshot.check(from, request);
        switch (expected) {
            case OK -> assertThat(result.allowed()).as(describe(result)).isTrue();
            case BLOCKED -> {
                assertThat(result.allowed()).as(describe(result)).isFalse();
                assertThat(result.outcome()).as(describe(result)).isEqualTo(Verdict.BLOCKED);
            }
            case DENIED -> {
                assertThat(result.allowed()).as(describe(result)).isFalse();
                assertThat(result.outcome()).as(describe(result)).isEqualTo(Verdict.DENIED);
            }
        }
        assertThat(result.hops()).isNotEmpty();
    }

    @Test
    void partAForwardsDirectlyOnTheDefaultRouteWithTheApplicationsOwnTls() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, "default=a3-google-serviceentry.yaml");
        OutboundDecision decision = snapshot.outbound(DEFAULT_SLEEP, https(GOOGLE));
        assertThat(decision).isInstanceOf(OutboundDecision.Forward.class);
        var f = (OutboundDecision.Forward) decision;
        assertThat(f.viaGateway()).isFalse();
        assertThat(f.route()).isEqualTo("outbound|443||developers.google.com");
        assertThat(f.upstream().host()).isEqualTo(GOOGLE);
        assertThat(f.upstream().port()).isEqualTo(443);
        assertThat(f.upstream().tls().mode()).isEqualTo(TlsMode.DISABLE);
    }

    @Test
    void partARefusalNamesRegistryOnly() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, "default=a3-google-serviceentry.yaml");
        CheckResult r = snapshot.check(OTHERNS_SLEEP, https(GOOGLE));
        assertThat(r.outcome()).isEqualTo(Verdict.BLOCKED);
        assertThat(r.reason()).contains("REGISTRY_ONLY").contains("developers.google.com:443").doesNotContain("\n");
        assertThat(r.hops()).last().satisfies(h -> {
            assertThat(h.stage()).isEqualTo(Stage.REGISTRY);
            assertThat(h.outcome()).isEqualTo(Hop.Outcome.DENY);
        });
    }

    @Test
    void b1SidecarSendsHttpInsideIstioMutualWithTheHostAsSni() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, HTTP_GATEWAY);
        var f = (OutboundDecision.Forward) snapshot.outbound(DEFAULT_SLEEP, httpHead(GOOGLE));
        assertThat(f.viaGateway()).isTrue();
        assertThat(f.route()).isEqualTo("VirtualService istio-system/direct-google-through-egress-gateway http[0]");
        assertThat(f.upstream().host()).isEqualTo(EgressGatewayIdentity.SERVICE_HOST);
        assertThat(f.upstream().port()).isEqualTo(80);
        assertThat(f.upstream().tls().mode()).isEqualTo(TlsMode.ISTIO_MUTUAL);
        assertThat(f.upstream().tls().sni()).contains(GOOGLE);
        assertThat(f.trace()).extracting(h -> h.resource().map(Object::toString).orElse("")).contains(
                "ServiceEntry istio-system/google",
                "VirtualService istio-system/direct-google-through-egress-gateway",
                "DestinationRule istio-system/egressgateway-for-google");
    }

    @Test
    void b1GatewayOriginatesTlsToPort443() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, HTTP_GATEWAY);
        CheckResult r = snapshot.check(OTHERNS_SLEEP, httpHead(YAHOO));
        assertThat(r.allowed()).as(describe(r)).isTrue();
        Upstream u = r.upstream().orElseThrow();
        assertThat(u.host()).isEqualTo(YAHOO);
        assertThat(u.port()).isEqualTo(443);
        assertThat(u.tls().mode()).isEqualTo(TlsMode.SIMPLE);
        assertThat(u.tls().sni()).contains(YAHOO);
        assertThat(r.hops()).extracting(h -> h.proxy().toString()).contains("sidecar otherns/sleep",
                "gateway istio-system/istio-egressgateway");
        assertThat(r.hops()).extracting(h -> h.resource().map(Object::toString).orElse("")).contains(
                "Gateway istio-system/istio-yahoo-egressgateway",
                "DestinationRule istio-system/originate-tls-for-developer-yahoo-com");
    }

    @Test
    void b1GatewayListensOnPort80ForBothHosts() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, HTTP_GATEWAY);
        var gw = new WorkloadRef("istio-system", "istio-egressgateway-service-account",
                java.util.Map.of("istio", "egressgateway", "app", "istio-egressgateway"));
        assertThat(snapshot.gatewayListeners(gw)).singleElement().satisfies(l -> {
            assertThat(l.port()).isEqualTo(80);
            assertThat(l.kind().protocol()).isEqualTo(dev.tollgate.core.model.PortProtocol.HTTPS);
            assertThat(l.kind().tlsMode()).isEqualTo(dev.tollgate.core.model.ServerTlsMode.ISTIO_MUTUAL);
            assertThat(l.hosts()).containsExactly(GOOGLE, YAHOO);
            assertThat(l.readsHttp()).isTrue();
        });
    }

    @Test
    void b2DeniedWithNoSinglePolicy() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, with(HTTP_GATEWAY,
                "istio-system=b2-allow-nothing.yaml", "default=b2-allow-google-in-default.yaml"));
        CheckResult r = snapshot.check(DEFAULT_SLEEP, httpHead(GOOGLE));
        assertThat(r.outcome()).isEqualTo(Verdict.DENIED);
        assertThat(r.policy()).isEmpty();
        assertThat(r.reason()).containsIgnoringCase("no ALLOW policy matched");
        assertThat(r.policiesConsidered().toString()).contains("allow-nothing")
                .doesNotContain("external-allow-developers-google-com");
    }

    @Test
    void b2ExplainStatesTheThreeRealReasons() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, with(HTTP_GATEWAY,
                "istio-system=b2-allow-nothing.yaml", "default=b2-allow-google-in-default.yaml"));
        Explanation e = snapshot.explain(DEFAULT_SLEEP, httpHead(GOOGLE));
        assertThat(e.result().outcome()).isEqualTo(Verdict.DENIED);
        var allowGoogle = e.considerations().stream()
                .filter(c -> c.resource().name().equals("external-allow-developers-google-com")).toList();
        assertThat(allowGoogle).isNotEmpty().allSatisfy(c -> assertThat(c.applied()).isFalse());
        String text = String.join("\n", e.considerations().stream().map(Consideration::why).toList());
        // 1. the policy sits in default, so it never applies to the gateway
        assertThat(String.join(" ", allowGoogle.stream().map(Consideration::why).toList())).contains("default");
        // 2. it allows only GET, while curl -I sends HEAD
        assertThat(text).contains("GET").contains("HEAD");
        // 3. allow-nothing in the root namespace is the ALLOW policy that leaves the request denied
        assertThat(e.considerations()).anySatisfy(c -> {
            assertThat(c.resource().name()).isEqualTo("allow-nothing");
            assertThat(c.applied()).isTrue();
        });
    }

    @Test
    void b3DenialNamesTheMatchedPolicyInEnvoysForm() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, with(HTTP_GATEWAY,
                "istio-system=b3-deny-by-namespace.yaml"));
        CheckResult r = snapshot.check(DEFAULT_SLEEP, httpHead(YAHOO));
        assertThat(r.outcome()).isEqualTo(Verdict.DENIED);
        assertThat(r.policy().map(Object::toString))
                .contains("ns[istio-system]-policy[external-deny-developer-yahoo-com]-rule[0]");
        assertThat(r.hops()).last().satisfies(h -> {
            assertThat(h.stage()).isEqualTo(Stage.AUTHZ);
            assertThat(h.resource()).map(Object::toString)
                    .contains("AuthorizationPolicy istio-system/external-deny-developer-yahoo-com");
        });
    }

    @Test
    void b5GatewaySeesTcpAndPassesTheApplicationsTlsThrough() {
        MeshSnapshot snapshot = TutorialFixtures.snapshot(REGISTRY_ONLY, HTTPS_GATEWAY);
        CheckResult r = snapshot.check(DEFAULT_SLEEP, https(GOOGLE));
        assertThat(r.allowed()).as(describe(r)).isTrue();
        assertThat(r.upstream().orElseThrow().tls().mode()).isEqualTo(TlsMode.DISABLE);
        assertThat(r.hops()).extracting(Hop::detail).anyMatch(d -> d.contains("tls[0]"))
                .anyMatch(d -> d.contains("tcp[0]"));
    }

    static String describe(CheckResult r) {
        StringBuilder b = new StringBuilder(r.outcome().text()).append(": ").append(r.reason());
        r.hops().forEach(h -> b.append("\n  ").append(h.proxy()).append(" ").append(h.stage()).append(" ")
                .append(h.outcome()).append(" ").append(h.detail()));
        return b.toString();
    }

}
