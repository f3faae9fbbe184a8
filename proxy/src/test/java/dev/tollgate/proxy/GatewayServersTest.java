package dev.tollgate.proxy;

import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.Upstream;
import dev.tollgate.core.model.UpstreamTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's other server kinds: TLS PASSTHROUGH (the SNI is peeked, TLS is not terminated), HTTPS PASSTHROUGH
 * (the same: Istio's gateway.IsHTTPServer is false for it) and plain HTTP (no peer identity: authorization sees no
 * principal).
 */
class GatewayServersTest {
    static final int MIXED = 9446;
    static final String OTHER = "other.example";
    static final GatewayServerKind PASSTHROUGH = new GatewayServerKind(PortProtocol.TLS, ServerTlsMode.PASSTHROUGH);
    static final GatewayServerKind SIMPLE = new GatewayServerKind(PortProtocol.HTTPS, ServerTlsMode.SIMPLE);
    static final GatewayServerKind PLAIN_HTTP = new GatewayServerKind(PortProtocol.HTTP, ServerTlsMode.NONE);
    static Rig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        FakeSnapshot snapshot = new FakeSnapshot(Rig::outbound, List.of(
                new GatewayListener(9444, new GatewayServerKind(PortProtocol.TLS, ServerTlsMode.PASSTHROUGH),
                        List.of(Rig.GOOGLE), List.of()),
                new GatewayListener(9445, new GatewayServerKind(PortProtocol.HTTPS, ServerTlsMode.PASSTHROUGH),
                        List.of(Rig.GOOGLE), List.of()),
                new GatewayListener(9080, new GatewayServerKind(PortProtocol.HTTP, ServerTlsMode.NONE),
                        List.of(Rig.GOOGLE), List.of()),
                new GatewayListener(9443, new GatewayServerKind(PortProtocol.HTTPS, ServerTlsMode.SIMPLE),
                        List.of(Rig.GOOGLE), List.of()),
                new GatewayListener(MIXED, PASSTHROUGH, List.of(Rig.GOOGLE, OTHER, "*"), List.of(),
                        List.of(PASSTHROUGH, SIMPLE, PLAIN_HTTP))),
                GatewayServersTest::decide);
        // the core's choice on the mixed port, as MeshSnapshot.gatewayServerKind makes it: by SNI, else plain
        snapshot.serverKind = (port, sni) -> port != MIXED
                ? snapshot.listeners.stream().filter(l -> l.port() == port).findFirst().map(GatewayListener::kind)
                : sni.equals(Optional.of(Rig.GOOGLE)) ? Optional.of(PASSTHROUGH)
                : sni.equals(Optional.of(OTHER)) ? Optional.of(SIMPLE) : Optional.of(PLAIN_HTTP);
        rig.snapshot.set(snapshot);
        rig.startGateway();
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
    }

    static GatewayDecision decide(dev.tollgate.core.model.WorkloadRef gw, GatewayRequest r) {
        if ((r.port() == 9444 || r.port() == 9445 || r.port() == MIXED) && r.sni().equals(Optional.of(Rig.GOOGLE))) {
            return new GatewayDecision.Forward(new Upstream(Rig.GOOGLE, 443, List.of(), UpstreamTls.NONE),
                    "VirtualService istio-system/passthrough tls[0]", List.of());
        }
        return new GatewayDecision.Denied(Optional.empty(), "no ALLOW policy matched", List.of());
    }

    @Test
    void serversNeedingCredentialsAreNotServed() {
        assertThat(rig.gateway.listeners()).containsOnlyKeys(9444, 9445, 9080, MIXED);
    }

    @Test
    void aPortOfSeveralKindsServesPlainBytesWithItsPlainServer() throws Exception {
        String response = Rig.raw(rig.gateway.listeners().get(MIXED), "GET /mixed-plain HTTP/1.1\r\nHost: "
                + Rig.GOOGLE + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 403 Forbidden").endsWith("\r\n\r\nRBAC: access denied");
        AccessLogEntry e = rig.awaitLog(x -> x.destinationPort() == MIXED && x.request().orElse("")
                .contains("/mixed-plain"));
        assertThat(e.sni()).isEmpty();
    }

    @Test
    void aPortOfSeveralKindsRefusesAConnectionWhoseServerNeedsCredentials() throws Exception {
        InetSocketAddress gw = rig.gateway.listeners().get(MIXED);
        try (SSLSocket s = (SSLSocket) rig.publicCa.sslContext(null).getSocketFactory()
                .createSocket(gw.getAddress(), gw.getPort())) {
            var p = s.getSSLParameters();
            p.setServerNames(List.of(new javax.net.ssl.SNIHostName(OTHER)));
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            org.assertj.core.api.Assertions.assertThatThrownBy(s::startHandshake)
                    .isInstanceOf(java.io.IOException.class);
        }
        AccessLogEntry e = rig.awaitLog(x -> x.destinationPort() == MIXED && x.sni().equals(Optional.of(OTHER)));
        assertThat(e.decision()).isEqualTo("error");
        assertThat(e.reason()).contains("HTTPS SIMPLE").contains("needs credentials Tollgate does not load");
    }

    @ParameterizedTest(name = "server port {0}")
    @ValueSource(ints = {9444, 9445, MIXED})
    void passthroughServerRoutesByTheClientHellosSni(int port) throws Exception {
        InetSocketAddress gw = rig.gateway.listeners().get(port);
        try (SSLSocket s = (SSLSocket) rig.publicCa.sslContext(null).getSocketFactory()
                .createSocket(gw.getAddress(), gw.getPort())) {
            var p = s.getSSLParameters();
            p.setServerNames(List.of(new javax.net.ssl.SNIHostName(Rig.GOOGLE)));
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /passthrough HTTP/1.1\r\nHost: " + Rig.GOOGLE
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 200").contains("hello GET " + Rig.GOOGLE + " /passthrough");
        }
        AccessLogEntry e = rig.awaitLog(x -> x.destinationPort() == port && x.decision().equals("allowed"));
        assertThat(e.sni()).contains(Rig.GOOGLE);
        assertThat(e.sourcePrincipal()).isEmpty();
    }

    @ParameterizedTest(name = "server port {0}")
    @ValueSource(ints = {9444, 9445})
    void passthroughServerClosesWhatIsNotTls(int port) throws Exception {
        InetSocketAddress gw = rig.gateway.listeners().get(port);
        try (Socket s = new Socket(gw.getAddress(), gw.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        rig.awaitLog(x -> x.destinationPort() == port && x.reason().equals("not a TLS ClientHello"));
    }

    @Test
    void plainHttpServerWithoutPeerIdentityIsDeniedWithNone() throws Exception {
        InetSocketAddress gw = rig.gateway.listeners().get(9080);
        String response = Rig.raw(gw, "GET /plain HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 403 Forbidden").endsWith("\r\n\r\nRBAC: access denied");
        AccessLogEntry e = rig.awaitLog(x -> x.destinationPort() == 9080 && x.decision().equals("denied"));
        assertThat(e.reason()).isEqualTo("rbac_access_denied_matched_policy[none]");
        assertThat(e.policyOrNone()).isEqualTo("[none]");
        assertThat(e.text()).contains("policy=[none]").contains("\"GET " + Rig.GOOGLE + " /plain\" 403 denied");
    }

    @Test
    void aPortInUseIsRetriedAndTheGatewayIsNotReadyMeanwhile() throws Exception {
        java.net.ServerSocket squatter = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        int port = squatter.getLocalPort();
        GatewaySettings s = GatewaySettings.defaults(rig.mesh.identity(rig.mesh.workload(Rig.TD, "istio-system",
                        "istio-egressgateway-service-account")))
                .withBind("127.0.0.1", port - 9080)
                .withAccessLog(rig.log::add)
                .withRefreshInterval(java.time.Duration.ofMillis(50));
        FakeSnapshot only9080 = new FakeSnapshot(Rig::outbound, List.of(
                new GatewayListener(9080, new GatewayServerKind(PortProtocol.HTTP, ServerTlsMode.NONE), List.of("*"), List.of())), GatewayServersTest::decide);
        try (EgressGateway gw = EgressGateway.start(s, () -> only9080)) {
            assertThat(gw.ready()).isFalse();
            assertThat(gw.listeners()).isEmpty();
            squatter.close();
            long until = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            while (!gw.ready() && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(gw.ready()).isTrue();
            assertThat(gw.listeners().get(9080).getPort()).isEqualTo(port);
        } finally {
            squatter.close();
        }
    }

    @Test
    void gatewayAdminReportsReadyAndDumpsConfig() throws Exception {
        InetSocketAddress admin = rig.gateway.adminAddress().orElseThrow();
        try (Socket s = new Socket(admin.getAddress(), admin.getPort())) {
            OutputStream o = s.getOutputStream();
            o.write("GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
            InputStream in = s.getInputStream();
            assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
        }
    }
}
