package dev.tollgate.proxy;

import dev.tollgate.core.snapshot.GatewayRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client certificates at the egress gateway's mTLS servers, presented straight to its listeners as an attacker with a
 * certificate would: the access decision for each, what the access log says, and that the upstream behind the gateway
 * received nothing. (What the log says about expired and not-yet-valid certificates is checked elsewhere; here, that
 * they get no access.)
 */
class HostileClientCertificateTest {
    static final String SPIFFE = "spiffe://" + Rig.TD;

    static Rig rig;
    static RawUpstream upstream;
    /** Connections the upstream may have seen: only the control test makes one. */
    static int served;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        upstream = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server(Rig.GOOGLE))),
                RawUpstream.answering("reached"));
        rig.gatewayUpstreamPort = upstream.port();
        rig.startGateway();
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
        upstream.close();
    }

    @AfterEach
    void nothingReachedTheUpstreamUnlessATestSaysSo() {
        assertThat(upstream.connections()).as("connections from the gateway to the upstream").hasSize(served);
    }

    InetSocketAddress server(int port) {
        return rig.gateway.listeners().get(port);
    }

    /** mTLS to a gateway server with {@code key} (null: no certificate) and the SNI the sidecar would send. */
    SSLSocket mtls(int serverPort, CertifiedKey key) throws IOException {
        InetSocketAddress gw = server(serverPort);
        SSLSocket s = (SSLSocket) rig.mesh.sslContext(key).getSocketFactory().createSocket(gw.getAddress(), gw.getPort());
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(Rig.GOOGLE)));
        s.setSSLParameters(p);
        s.setSoTimeout(15_000);
        return s;
    }

    /**
     * Sends a request for developers.google.com and reads what comes back; a TLS 1.3 client may finish its side of the
     * handshake before the server has checked its certificate, so the refusal can show as a failed read.
     */
    static String ask(SSLSocket s) {
        try {
            s.startHandshake();
            s.getOutputStream().write(("GET /cert-probe HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    static Stream<Arguments> refusedCertificates() {
        TestPki mesh = rig.mesh;
        TestPki intruder = TestPki.create("intruder-ca");
        String handshake = "mTLS handshake failed: ";
        // one check, in the handshake (MeshPeerTrust), as Istio's SAN match does it
        String noId = "mTLS handshake failed: client certificate ";
        return Stream.of(
                Arguments.of(Named.of("no client certificate", null), handshake),
                Arguments.of(Named.of("a valid SPIFFE identity from another CA",
                        intruder.workload(Rig.TD, "default", "sleep")), handshake),
                Arguments.of(Named.of("the mesh CA, but no URI SAN (a DNS name only)",
                        mesh.server("sleep.default.svc.cluster.local")), noId),
                Arguments.of(Named.of("the mesh CA, no subjectAltName at all", mesh.withUris()), noId),
                Arguments.of(Named.of("a SPIFFE identity of another trust domain",
                        mesh.workload("evil.example", "default", "sleep")),
                        "mTLS handshake failed: client certificate spiffe://evil.example/ns/default/sa/sleep is in "
                                + "trust domain evil.example, not the mesh's [cluster.local]"),
                Arguments.of(Named.of("two URI SANs (which one did the CA vouch for?)",
                        mesh.withUris(SPIFFE + "/ns/default/sa/sleep", SPIFFE + "/ns/otherns/sa/sleep")), noId),
                Arguments.of(Named.of("a SPIFFE path that is not /ns/X/sa/Y",
                        mesh.withUris(SPIFFE + "/sa/sleep/ns/default")), noId),
                Arguments.of(Named.of("a SPIFFE path with an extra segment",
                        mesh.withUris(SPIFFE + "/ns/default/sa/sleep/extra")), noId),
                Arguments.of(Named.of("a percent-encoded namespace",
                        mesh.withUris(SPIFFE + "/ns/%64efault/sa/sleep")), noId),
                Arguments.of(Named.of("an https URI instead of spiffe",
                        mesh.withUris("https://" + Rig.TD + "/ns/default/sa/sleep")), noId));
    }

    @ParameterizedTest
    @MethodSource("refusedCertificates")
    void certificatesThatAreNoMeshIdentityGetNoAccess(CertifiedKey key, String reason) throws Exception {
        for (int port : new int[]{80, 443}) {
            int logged = rig.log.size();
            int asked = asked();
            try (SSLSocket s = mtls(port, key)) {
                assertThat(ask(s)).as("server port %d answers nothing", port).isEmpty();
            }
            AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway") && x.destinationPort() == port
                    && x.reason().startsWith(reason) && rig.log.stream().skip(logged).anyMatch(y -> y == x));
            assertThat(e.decision()).isEqualTo("error");
            assertThat(e.sourcePrincipal()).as("no principal is logged for a peer that is none").isEmpty();
            assertThat(e.responseCode()).isZero();
            assertThat(asked()).as("the snapshot was never asked about this peer").isEqualTo(asked);
        }
    }

    @Test
    void aValidIdentityOfADeniedNamespaceGets403OverHttp() throws Exception {
        try (SSLSocket s = mtls(80, rig.mesh.workload(Rig.TD, "otherns", "sleep"))) {
            String resp = ask(s);
            assertThat(resp).startsWith("HTTP/1.1 403 Forbidden").endsWith("\r\n\r\nRBAC: access denied");
        }
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway") && x.request().orElse("")
                .contains("/cert-probe") && x.sourceNamespace().equals(Optional.of("otherns")));
        assertThat(e.decision()).isEqualTo("denied");
        assertThat(e.reason()).isEqualTo("rbac_access_denied_matched_policy[" + Rig.DENY_GOOGLE + "]");
        assertThat(e.sourcePrincipal()).contains(Rig.TD + "/ns/otherns/sa/sleep");
    }

    @Test
    void aValidIdentityOfADeniedNamespaceHasItsTunnelClosed() throws Exception {
        try (SSLSocket s = mtls(443, rig.mesh.workload(Rig.TD, "otherns", "sleep"))) {
            s.startHandshake();
            // the application's own ClientHello would follow; the gateway has decided already
            s.getOutputStream().write(ClientHelloTest.realHello(Rig.GOOGLE));
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        } catch (IOException e) {
            // closed while writing: as refused
        }
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway") && x.protocol().equals("tcp")
                && x.destinationPort() == 443 && x.sourceNamespace().equals(Optional.of("otherns")));
        assertThat(e.decision()).isEqualTo("denied");
        assertThat(e.reason()).isEqualTo("rbac_access_denied_matched_policy[" + Rig.DENY_GOOGLE + "]");
    }

    @Test
    void aValidIdentityOfTheRightNamespaceIsServed() throws Exception {
        // the control: the same connection with a good certificate reaches the upstream
        served++;
        try (SSLSocket s = mtls(80, rig.mesh.workload(Rig.TD, "default", "sleep"))) {
            s.startHandshake();
            assertThat(HostileClient.get(s, Rig.GOOGLE, "/served")).startsWith("HTTP/1.1 200 ").endsWith("reached");
        }
        RawUpstream.Connection up = upstream.awaitConnection(served);
        assertThat(up.sni()).contains(Rig.GOOGLE);
        assertThat(up.plain()).startsWith("GET /served HTTP/1.1\r\n");
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway")
                && x.request().orElse("").contains("/served"));
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.sourcePrincipal()).contains(Rig.TD + "/ns/default/sa/sleep");
    }

    private static int asked() {
        return (int) ((FakeSnapshot) rig.snapshot.get()).asked.stream().filter(GatewayRequest.class::isInstance).count();
    }
}
