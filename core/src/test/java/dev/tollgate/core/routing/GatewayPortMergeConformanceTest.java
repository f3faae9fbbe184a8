package dev.tollgate.core.routing;

import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.MeshSnapshot;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static dev.tollgate.core.routing.GatewayConformanceTest.EGRESS;
import static dev.tollgate.core.routing.GatewayConformanceTest.GW;
import static dev.tollgate.core.routing.GatewayConformanceTest.compile;
import static dev.tollgate.core.routing.GatewayConformanceTest.gateway;
import static dev.tollgate.core.routing.GatewayConformanceTest.summary;
import static dev.tollgate.core.routing.GatewayConformanceTest.tlsOn;
import static dev.tollgate.core.routing.GatewayConformanceTest.vs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Servers of several kinds and Gateways on one port, as Istio merges them: pilot/pkg/model/gateway.go
 * {@code mergeGateways} ("We have two servers on the same port. Should we merge? 1. Yes if both servers are plain text
 * and HTTP 2. Yes if both servers are using TLS ... 3. No for everything else", and a plain server after TLS ones is
 * kept as the port's plain server), pilot/pkg/networking/core/gateway.go {@code buildGatewayListeners} (the filter
 * chains of every server kept on a port go into that port's one listener: TLS ones with server_names, plain ones
 * without) and {@code buildGatewayHTTPRouteConfig} (one route configuration {@code http.<port>} for all plain HTTP
 * servers of the port).
 */
class GatewayPortMergeConformanceTest {
    static final GatewayServerKind TLS_MUTUAL = new GatewayServerKind(PortProtocol.TLS, ServerTlsMode.ISTIO_MUTUAL);
    static final GatewayServerKind TLS_PASSTHROUGH = new GatewayServerKind(PortProtocol.TLS, ServerTlsMode.PASSTHROUGH);
    static final GatewayServerKind HTTPS_MUTUAL = new GatewayServerKind(PortProtocol.HTTPS, ServerTlsMode.ISTIO_MUTUAL);
    static final GatewayServerKind HTTP = new GatewayServerKind(PortProtocol.HTTP, ServerTlsMode.NONE);

    static final String TLS_ROUTES = vs("tls-a", "istio-system", """
            hosts: [a.example.com]
            gateways: [mutual]
            tcp:
            - route: [{destination: {host: a.example.com, port: {number: 443}}}]""") + vs("tls-b", "istio-system", """
            hosts: [b.example.com]
            gateways: [passthrough]
            tls:
            - match: [{port: 443, sniHosts: [b.example.com]}]
              route: [{destination: {host: b.example.com, port: {number: 443}}}]""");

    @Test
    void mutualAndPassthroughServersShareAPortAndSniPicksTheServer() {
        MeshSnapshot s = compile(gateway("mutual", "istio-system", EGRESS, """
                - port: {number: 443, name: tls-a, protocol: TLS}
                  hosts: [a.example.com]
                  tls: {mode: ISTIO_MUTUAL}""") + gateway("passthrough", "istio-system", EGRESS, """
                - port: {number: 443, name: tls-b, protocol: TLS}
                  hosts: [b.example.com]
                  tls: {mode: PASSTHROUGH}""") + TLS_ROUTES);
        assertThat(s.gatewayListeners(GW)).singleElement().satisfies(l -> {
            assertThat(l.kind()).isEqualTo(TLS_MUTUAL);
            assertThat(l.kinds()).containsExactly(TLS_MUTUAL, TLS_PASSTHROUGH);
        });
        assertThat(s.gatewayServerKind(GW, 443, Optional.of("a.example.com"))).contains(TLS_MUTUAL);
        assertThat(s.gatewayServerKind(GW, 443, Optional.of("B.example.com"))).contains(TLS_PASSTHROUGH);
        assertThat(s.gatewayServerKind(GW, 443, Optional.of("c.example.com"))).isEmpty();
        assertThat(s.gatewayServerKind(GW, 443, Optional.empty())).isEmpty();
        assertThat(summary(s.gateway(GW, tlsOn(443, "a.example.com"))))
                .contains("forward VirtualService istio-system/tls-a tcp[0] -> a.example.com:443");
        GatewayRequest passthrough = new GatewayRequest(443, Optional.of("b.example.com"), Optional.empty(),
                Optional.empty(), "10.0.0.1", "10.0.0.2");
        assertThat(summary(s.gateway(GW, passthrough)))
                .contains("forward VirtualService istio-system/tls-b tls[0] -> b.example.com:443");
    }

    static final String MUTUAL_HTTPS_80 = gateway("mutual", "istio-system", EGRESS, """
            - port: {number: 80, name: https, protocol: HTTPS}
              hosts: [a.example.com]
              tls: {mode: ISTIO_MUTUAL}""");
    static final String PLAIN_HTTP_80 = gateway("plain", "istio-system", EGRESS, """
            - port: {number: 80, name: http, protocol: HTTP}
              hosts: [b.example.com]""");
    static final String HTTP_ROUTES = vs("http-a", "istio-system", """
            hosts: [a.example.com]
            gateways: [mutual]
            http:
            - route: [{destination: {host: a.example.com, port: {number: 443}}}]""") + vs("http-b", "istio-system", """
            hosts: [b.example.com]
            gateways: [plain]
            http:
            - route: [{destination: {host: b.example.com, port: {number: 80}}}]""");

    static GatewayRequest plainHttp(int port, String authority) {
        return new GatewayRequest(port, Optional.empty(), Optional.empty(),
                Optional.of(new HttpRequestInfo("GET", authority, "/", Map.of())), "10.0.0.1", "10.0.0.2");
    }

    @Test
    void aPlainHttpServerAfterAnMtlsOneIsKeptAndTakesWhatNoSniChainDoes() {
        MeshSnapshot s = compile(MUTUAL_HTTPS_80 + PLAIN_HTTP_80 + HTTP_ROUTES);
        assertThat(s.gatewayListeners(GW)).singleElement()
                .satisfies(l -> assertThat(l.kinds()).containsExactly(HTTPS_MUTUAL, HTTP));
        assertThat(s.gatewayServerKind(GW, 80, Optional.of("a.example.com"))).contains(HTTPS_MUTUAL);
        // the plain chain has no server_names: it takes plain bytes, and TLS whose SNI no TLS server names
        assertThat(s.gatewayServerKind(GW, 80, Optional.empty())).contains(HTTP);
        assertThat(s.gatewayServerKind(GW, 80, Optional.of("c.example.com"))).contains(HTTP);
        assertThat(summary(s.gateway(GW, GatewayConformanceTest.httpOn(80, "a.example.com", "a.example.com", "GET"))))
                .contains("forward VirtualService istio-system/http-a http[0] -> a.example.com:443");
        assertThat(summary(s.gateway(GW, plainHttp(80, "b.example.com"))))
                .contains("forward VirtualService istio-system/http-b http[0] -> b.example.com:80");
    }

    @Test
    void anMtlsServerAfterAPlainHttpOneIsSkipped() {
        // mergeGateways: canMergeProtocols(HTTPS, HTTP) is false: "skipping server on gateway ... conflict with
        // existing server"
        MeshSnapshot s = compile(PLAIN_HTTP_80 + MUTUAL_HTTPS_80 + HTTP_ROUTES);
        assertThat(s.gatewayListeners(GW)).singleElement().satisfies(l -> {
            assertThat(l.kinds()).containsExactly(HTTP);
            assertThat(l.hosts()).containsExactly("b.example.com");
        });
        assertThat(s.gatewayServerKind(GW, 80, Optional.of("a.example.com"))).contains(HTTP);
        assertThat(summary(s.gateway(GW, GatewayConformanceTest.httpOn(80, "a.example.com", "a.example.com", "GET"))))
                .startsWith("no-route:");
    }

    @Test
    void aSecondOpaqueTcpServerOnAPortIsSkipped() {
        MeshSnapshot s = compile(gateway("one", "istio-system", EGRESS, """
                - port: {number: 9000, name: tcp-a, protocol: TCP}
                  hosts: [a.example.com]""") + gateway("two", "istio-system", EGRESS, """
                - port: {number: 9000, name: tcp-b, protocol: TCP}
                  hosts: [b.example.com]"""));
        assertThat(s.gatewayListeners(GW)).singleElement().satisfies(l -> {
            assertThat(l.kinds()).hasSize(1);
            assertThat(l.gateways()).extracting(Object::toString).containsExactly("Gateway istio-system/one");
        });
    }

    @Test
    void plainHttpServersOfSeveralGatewaysShareOneRouteConfiguration() {
        // Gateway A serves "*" and has the VirtualService for a.example.com; Gateway B names a.example.com and has
        // none. Istio builds one route configuration http.80 from both servers: a.example.com's virtual host comes
        // from A's VirtualService, so the request is routed, whichever server names the host more exactly.
        MeshSnapshot s = compile(gateway("any", "istio-system", EGRESS, """
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: ["*"]""") + gateway("named", "istio-system", EGRESS, """
                - port: {number: 80, name: http-a, protocol: HTTP}
                  hosts: [a.example.com]""") + vs("via-any", "istio-system", """
                hosts: [a.example.com]
                gateways: [any]
                http:
                - route: [{destination: {host: a.example.com, port: {number: 80}}}]"""));
        assertThat(summary(s.gateway(GW, plainHttp(80, "a.example.com"))))
                .contains("forward VirtualService istio-system/via-any http[0] -> a.example.com:80");
        assertThat(summary(s.gateway(GW, plainHttp(80, "b.example.com")))).startsWith("no-route:");
    }
}
