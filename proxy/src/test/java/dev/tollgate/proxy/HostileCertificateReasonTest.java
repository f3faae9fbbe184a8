package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Client certificates the gateway's mTLS listener must refuse, through the real listener: each refusal closes the
 * connection before any request is read, and the access log says which check failed instead of BoringSSL's
 * "General OpenSslEngine problem".
 */
class HostileCertificateReasonTest {
    static Rig rig;
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        rig.startGateway();
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP);
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
    }

    /** Runs after {@code @BeforeAll}: the rig's mesh CA exists. */
    static Stream<Arguments> refused() {
        Instant now = Instant.now();
        return Stream.of(
                Arguments.of(Named.of("a certificate from a foreign CA",
                                TestPki.create("foreign-ca").workload(Rig.TD, "default", "sleep")),
                        "client certificate spiffe://cluster.local/ns/default/sa/sleep is not issued by the mesh CA "
                                + "(unknown CA: issuer CN=foreign-ca)"),
                Arguments.of(Named.of("an expired mesh certificate", rig.mesh.workload(Rig.TD, "default", "sleep",
                                now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)))),
                        "client certificate spiffe://cluster.local/ns/default/sa/sleep expired at "),
                Arguments.of(Named.of("a mesh certificate not yet valid", rig.mesh.workload(Rig.TD, "default",
                                "sleep", now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(2)))),
                        "client certificate spiffe://cluster.local/ns/default/sa/sleep is not yet valid (notBefore "),
                Arguments.of(Named.of("a mesh certificate without a SPIFFE URI", rig.mesh.server("sleep.default")),
                        "client certificate CN=sleep.default has no SPIFFE URI"),
                Arguments.of(Named.of("a mesh certificate of another trust domain",
                                rig.mesh.workload("evil.example", "default", "sleep")),
                        "client certificate spiffe://evil.example/ns/default/sa/sleep is in trust domain evil.example, "
                                + "not the mesh's [cluster.local]"),
                Arguments.of(Named.of("no certificate at all", (CertifiedKey) null),
                        "the client sent no certificate"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void theGatewaySaysWhichCheckFailed(CertifiedKey clientKey, String reason) throws Exception {
        String path = "/cert-" + UUID.randomUUID();
        InetSocketAddress gw = rig.gateway.listeners().get(80);
        try (SSLSocket s = (SSLSocket) presenting(clientKey).getSocketFactory()
                .createSocket(gw.getAddress(), gw.getPort())) {
            var p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(Rig.GOOGLE)));
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            // TLS 1.3: the client may finish before the server has checked its certificate; the refusal then
            // shows on the first read
            assertThatThrownBy(() -> {
                s.startHandshake();
                s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n")
                        .getBytes());
                s.getOutputStream().flush();
                if (s.getInputStream().read() < 0) {
                    throw new IOException("closed");
                }
            }).isInstanceOf(IOException.class);
        }
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway") && x.protocol().equals("tcp")
                && x.reason().startsWith("mTLS handshake failed: " + reason));
        assertThat(e.decision()).isEqualTo("error");
        assertThat(e.reason()).doesNotContain("General OpenSslEngine problem");
        assertThat(e.sourcePrincipal()).isEmpty();
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains(path));
        assertThat(rig.log).noneMatch(x -> x.request().orElse("").contains(path));
    }

    /**
     * A client that trusts the mesh CA and presents {@code key} whatever CAs the server asks for: the JDK's own key
     * manager would quietly send no certificate when the issuer is not among them, so a foreign CA would never be
     * tried.
     */
    private static javax.net.ssl.SSLContext presenting(CertifiedKey key) throws Exception {
        javax.net.ssl.SSLContext base = rig.mesh.sslContext(null);
        if (key == null) {
            return base;
        }
        java.security.cert.X509Certificate[] chain = key.chain().toArray(new java.security.cert.X509Certificate[0]);
        javax.net.ssl.X509ExtendedKeyManager km = new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return new String[]{"key"};
            }

            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket s) {
                return "key";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers,
                                                  javax.net.ssl.SSLEngine e) {
                return "key";
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket s) {
                return null;
            }

            @Override
            public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
                return chain;
            }

            @Override
            public java.security.PrivateKey getPrivateKey(String alias) {
                return key.key();
            }
        };
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("root", rig.mesh.root);
        tmf.init(ts);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(new javax.net.ssl.KeyManager[]{km}, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void aValidMeshCertificateStillPasses() throws Exception {
        var r = Rig.get(rig.client(sidecar), "http://" + Rig.GOOGLE + "/cert-control");
        assertThat(r.statusCode()).isEqualTo(200);
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway")
                && x.request().orElse("").contains("/cert-control"));
        assertThat(e.sourcePrincipal()).contains("cluster.local/ns/default/sa/sleep");
    }
}
