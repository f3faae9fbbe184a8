package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Istio's "Double TLS (TLS origination for a TLS request)" (istio.io docs/ops/common-problems/network-issues): a
 * DestinationRule that originates TLS (SIMPLE) on a port where the application sends its own TLS wraps TLS in TLS,
 * and the server fails the request. One rule in the upstream resolver decides it, for {@code check} and the proxies
 * (the sidecar's CONNECT used to refuse it on its own while {@code check} said allowed).
 */
class DoubleTlsTest {
    private static final WorkloadRef SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));

    /** The doc's example: a ServiceEntry with HTTPS on 443 and a DestinationRule with tls SIMPLE. */
    private static MeshSnapshot originating(String tlsMode) {
        return SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("default", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: httpbin}
                        spec:
                          hosts: [httpbin.org]
                          ports:
                          - {number: 80, name: http, protocol: HTTP}
                          - {number: 443, name: https, protocol: HTTPS}
                          - {number: 5432, name: tcp, protocol: TCP}
                          resolution: DNS
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: DestinationRule
                        metadata: {name: originate-tls}
                        spec:
                          host: httpbin.org
                          trafficPolicy:
                            tls: {mode: %s}
                        """.formatted(tlsMode)).build());
    }

    @Test
    void anApplicationsTlsToAPortWhoseDestinationRuleOriginatesTlsIsRefused() {
        MeshSnapshot s = originating("SIMPLE");
        OutboundDecision d = s.outbound(SLEEP, OutboundRequest.tls("httpbin.org", 443));
        assertThat(d).isInstanceOf(OutboundDecision.Refused.class);
        assertThat(((OutboundDecision.Refused) d).reason())
                .contains("default/originate-tls", "tls.mode SIMPLE", "httpbin.org:443", "Double TLS");
        CheckResult c = s.check(SLEEP, OutboundRequest.tls("httpbin.org", 443));
        assertThat(c.outcome()).isEqualTo(Verdict.BLOCKED);
        assertThat(c.reason()).isEqualTo(((OutboundDecision.Refused) d).reason());
        assertThat(c.hops().get(c.hops().size() - 1).stage().text()).isEqualTo("upstream");
    }

    @Test
    void plainBytesOnTheSamePortsAreOriginated() {
        MeshSnapshot s = originating("SIMPLE");
        HttpRequestInfo get = new HttpRequestInfo("GET", "httpbin.org", "/", Map.of());
        for (OutboundRequest r : new OutboundRequest[] {OutboundRequest.http("httpbin.org", 80, get),
                OutboundRequest.tcp("httpbin.org", 5432)}) {
            OutboundDecision d = s.outbound(SLEEP, r);
            assertThat(d).as("%s", r).isInstanceOf(OutboundDecision.Forward.class);
            assertThat(((OutboundDecision.Forward) d).upstream().tls().mode()).isEqualTo(TlsMode.SIMPLE);
        }
    }

    @Test
    void withoutOriginationTheApplicationsTlsPasses() {
        MeshSnapshot s = originating("DISABLE");
        assertThat(s.check(SLEEP, OutboundRequest.tls("httpbin.org", 443)).outcome()).isEqualTo(Verdict.ALLOWED);
    }

    /** A PASSTHROUGH server forwards the client's TLS as it is: a SIMPLE rule at the gateway wraps it too. */
    @Test
    void theGatewayRefusesToOriginateTlsAroundAPassthroughConnection() {
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("istio-system", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: httpbin}
                        spec:
                          hosts: [httpbin.org]
                          ports: [{number: 443, name: tls, protocol: TLS}]
                          resolution: DNS
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: Gateway
                        metadata: {name: egw}
                        spec:
                          selector: {istio: egressgateway}
                          servers:
                          - port: {number: 443, name: tls, protocol: TLS}
                            hosts: [httpbin.org]
                            tls: {mode: PASSTHROUGH}
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: via-egw}
                        spec:
                          hosts: [httpbin.org]
                          gateways: [egw]
                          tls:
                          - match: [{port: 443, sniHosts: [httpbin.org]}]
                            route: [{destination: {host: httpbin.org, port: {number: 443}}}]
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: DestinationRule
                        metadata: {name: originate-tls}
                        spec:
                          host: httpbin.org
                          trafficPolicy:
                            tls: {mode: SIMPLE}
                        """).build());
        GatewayDecision d = s.gateway(EgressGatewayIdentity.WORKLOAD,
                new GatewayRequest(443, Optional.of("httpbin.org"), Optional.empty(), Optional.empty(), "10.0.0.1", "10.0.0.2"));
        assertThat(d).isInstanceOf(GatewayDecision.NoRoute.class);
        assertThat(((GatewayDecision.NoRoute) d).reason()).contains("istio-system/originate-tls", "Double TLS");
    }
}
