package dev.tollgate.proxy;

import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Sidecar to egress gateway to a local TLS upstream, as in the tutorial's final configuration: the HTTP variant
 * (mTLS to the gateway's server port 80, TLS origination to 443) and the HTTPS variant (the application's TLS inside
 * the gateway mTLS on 443, passed through).
 */
class GatewayTest {
    static Rig rig;
    static Sidecar defaultSleep;
    static Sidecar othernsSleep;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        rig.startGateway();
        defaultSleep = rig.startSidecar(Rig.DEFAULT_SLEEP);
        othernsSleep = rig.startSidecar(Rig.OTHERNS_SLEEP);
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
    }

    InetSocketAddress gatewayPort(int serverPort) {
        return rig.gateway.listeners().get(serverPort);
    }

    @Test
    void gatewayListensOnEveryServerPort() {
        assertThat(rig.gateway.listeners()).containsOnlyKeys(80, 443);
        assertThat(rig.gateway.ready()).isTrue();
    }

    @Test
    void httpGoesThroughTheGatewayWhichOriginatesTls() throws Exception {
        HttpResponse<String> r = Rig.get(rig.client(defaultSleep), "http://developers.google.com/http-variant");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("hello GET developers.google.com /http-variant");
        AccessLogEntry gw = rig.awaitLog(e -> e.proxy().startsWith("gateway")
                && e.request().orElse("").contains("/http-variant"));
        assertThat(gw.decision()).isEqualTo("allowed");
        assertThat(gw.sourcePrincipal()).contains("cluster.local/ns/default/sa/sleep");
        assertThat(gw.sourceNamespace()).contains("default");
        assertThat(gw.sni()).contains(Rig.GOOGLE);
        assertThat(gw.destinationPort()).as("destination.port is the server port, not the listen port").isEqualTo(80);
        assertThat(gw.upstreamAddress()).contains("127.0.0.1:" + rig.tlsPort());
        AccessLogEntry sc = rig.awaitLog(e -> e.proxy().startsWith("sidecar default")
                && e.request().orElse("").contains("/http-variant"));
        assertThat(sc.route()).contains("to gateway");
        assertThat(sc.upstreamAddress()).contains("127.0.0.1:" + gatewayPort(80).getPort());
    }

    @Test
    void proxiesAreNamedAfterTheWorkloadsAppLabelInLogsAndMetrics() throws Exception {
        Rig.get(rig.client(defaultSleep), "http://developers.google.com/named");
        AccessLogEntry gw = rig.awaitLog(e -> e.proxy().startsWith("gateway")
                && e.request().orElse("").contains("/named"));
        assertThat(gw.proxy()).as("the app label, not the service account istio-egressgateway-service-account")
                .isEqualTo("gateway istio-system/istio-egressgateway");
        AccessLogEntry sc = rig.awaitLog(e -> e.proxy().startsWith("sidecar")
                && e.request().orElse("").contains("/named"));
        assertThat(sc.proxy()).isEqualTo("sidecar default/sleep");
        InetSocketAddress admin = rig.gateway.adminAddress().orElseThrow();
        String metrics = Rig.get(HttpClient.newHttpClient(), "http://127.0.0.1:" + admin.getPort() + "/metrics").body();
        assertThat(metrics).contains("workload=\"istio-system/istio-egressgateway\"")
                .doesNotContain("istio-egressgateway-service-account");
    }

    @Test
    void sequentialRequestsReuseOneMtlsConnectionToTheGateway() throws Exception {
        try (HttpClient c = rig.client(defaultSleep)) {
            assertThat(Rig.get(c, "http://developers.google.com/reuse1").statusCode()).isEqualTo(200);
            assertThat(Rig.get(c, "http://developers.google.com/reuse2").statusCode()).isEqualTo(200);
        }
        AccessLogEntry first = rig.awaitLog(e -> e.proxy().startsWith("gateway")
                && e.request().orElse("").contains("/reuse1"));
        AccessLogEntry second = rig.awaitLog(e -> e.proxy().startsWith("gateway")
                && e.request().orElse("").contains("/reuse2"));
        assertThat(second.sourceAddress()).as("the same sidecar-to-gateway connection")
                .isEqualTo(first.sourceAddress());
    }

    @Test
    void gatewayDenialIs403WithEnvoysBodyAndLogLine() throws Exception {
        HttpResponse<String> r = Rig.get(rig.client(othernsSleep), "http://developers.google.com/denied");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("RBAC: access denied");
        AccessLogEntry gw = rig.awaitLog(e -> e.proxy().startsWith("gateway")
                && e.request().orElse("").contains("/denied"));
        assertThat(gw.decision()).isEqualTo("denied");
        assertThat(gw.reason()).isEqualTo("rbac_access_denied_matched_policy[" + Rig.DENY_GOOGLE + "]");
        assertThat(gw.policy()).contains(Rig.DENY_GOOGLE);
        assertThat(gw.responseCode()).isEqualTo(403);
        assertThat(gw.sourceNamespace()).contains("otherns");
        assertThat(rig.upstreamSaw).noneMatch(s -> s.contains("/denied"));
    }

    @Test
    void tunnelGoesThroughTheGatewayAsPassthrough() throws Exception {
        try (HttpClient c = rig.client(defaultSleep)) {
            HttpResponse<String> r = Rig.get(c, "https://developers.google.com/https-variant");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("hello GET developers.google.com /https-variant");
        }
        AccessLogEntry gw = rig.awaitLog(e -> e.proxy().startsWith("gateway") && e.protocol().equals("tcp")
                && e.sourceNamespace().equals(Optional.of("default")) && e.bytesSent() > 0);
        assertThat(gw.destinationPort()).isEqualTo(443);
        assertThat(gw.sni()).contains(Rig.GOOGLE);
        assertThat(gw.decision()).isEqualTo("allowed");
    }

    @Test
    void deniedTunnelClosesAfterTheConnectWasAccepted() throws Exception {
        try (Socket s = new Socket("127.0.0.1", othernsSleep.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("CONNECT " + Rig.GOOGLE + ":443 HTTP/1.1\r\nHost: " + Rig.GOOGLE
                    + ":443\r\n\r\n").getBytes());
            assertThat(SidecarTest.readHead(s.getInputStream())).startsWith("HTTP/1.1 200 Connection established");
            SSLSocket t = (SSLSocket) rig.publicCa.sslContext(null).getSocketFactory()
                    .createSocket(s, Rig.GOOGLE, 443, false);
            assertThatThrownBy(t::startHandshake).isInstanceOf(IOException.class);
        }
        AccessLogEntry gw = rig.awaitLog(e -> e.proxy().startsWith("gateway") && e.protocol().equals("tcp")
                && e.decision().equals("denied"));
        assertThat(gw.reason()).isEqualTo("rbac_access_denied_matched_policy[" + Rig.DENY_GOOGLE + "]");
        assertThat(gw.destinationPort()).isEqualTo(443);
    }

    @Test
    void gatewayRequiresAClientCertificate() throws Exception {
        assertHandshakeRefused(null);
        rig.awaitLog(e -> e.proxy().startsWith("gateway") && e.reason().startsWith("mTLS handshake failed"));
    }

    private void assertHandshakeRefused(CertifiedKey clientKey) throws Exception {
        InetSocketAddress gw = gatewayPort(80);
        try (SSLSocket s = (SSLSocket) rig.mesh.sslContext(clientKey).getSocketFactory()
                .createSocket(gw.getAddress(), gw.getPort())) {
            s.setSoTimeout(10_000);
            // TLS 1.3: the client may finish its side before the server checks the certificate; the server's
            // refusal then shows on the first read
            assertThatThrownBy(() -> {
                s.startHandshake();
                s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n").getBytes());
                s.getOutputStream().flush();
                if (s.getInputStream().read() < 0) {
                    throw new IOException("closed");
                }
            }).isInstanceOf(IOException.class);
        }
        assertThat(rig.upstreamSaw).noneMatch(x -> x.startsWith("GET " + Rig.GOOGLE + " / "));
    }

    @Test
    void gatewayAsksTheSnapshotWithThePeerAndSni() throws Exception {
        FakeSnapshot s = (FakeSnapshot) rig.snapshot.get();
        Rig.get(rig.client(defaultSleep), "http://developers.google.com/asked");
        rig.awaitLog(e -> e.proxy().startsWith("gateway") && e.request().orElse("").contains("/asked"));
        GatewayRequest asked = s.asked.stream().filter(GatewayRequest.class::isInstance)
                .map(GatewayRequest.class::cast)
                .filter(g -> g.http().map(h -> h.path().equals("/asked")).orElse(false)).findFirst().orElseThrow();
        assertThat(asked.port()).isEqualTo(80);
        assertThat(asked.sni()).contains(Rig.GOOGLE);
        assertThat(asked.peer()).contains(new Peer("cluster.local/ns/default/sa/sleep", "default"));
        assertThat(asked.http().orElseThrow().authority()).isEqualTo(Rig.GOOGLE);
        assertThat(asked.http().orElseThrow().method()).isEqualTo("GET");
        assertThat(asked.sourceAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void listenersFollowTheSnapshot() throws Exception {
        FakeSnapshot before = (FakeSnapshot) rig.snapshot.get();
        InetSocketAddress port443 = gatewayPort(443);
        InetSocketAddress added;
        try {
            rig.snapshot.set(new FakeSnapshot(before.outbound, List.of(before.listeners.get(0),
                    before.listeners.get(1), new GatewayListener(9443, new GatewayServerKind(PortProtocol.TCP, ServerTlsMode.NONE), List.of("*"), List.of())),
                    before.gateway));
            rig.gateway.refresh().await(10, TimeUnit.SECONDS);
            assertThat(rig.gateway.listeners().keySet()).isEqualTo(Set.of(80, 443, 9443));
            added = gatewayPort(9443);
            new Socket(added.getAddress(), added.getPort()).close();
        } finally {
            rig.snapshot.set(before);
            rig.gateway.refresh().await(10, TimeUnit.SECONDS);
        }
        assertThat(rig.gateway.listeners().keySet()).isEqualTo(Set.of(80, 443));
        assertThat(gatewayPort(443)).as("an unchanged server keeps its listener").isEqualTo(port443);
        assertThatThrownBy(() -> new Socket(added.getAddress(), added.getPort()).close())
                .isInstanceOf(ConnectException.class);
    }
}
