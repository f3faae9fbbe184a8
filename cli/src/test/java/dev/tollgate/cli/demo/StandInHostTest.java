package dev.tollgate.cli.demo;

import dev.tollgate.identity.MeshCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StandInHostTest {

    static MeshCa publicCa;
    static StandInHost google;

    @BeforeAll
    static void start() {
        publicCa = MeshCa.generate("public.demo");
        google = StandInHost.start(Scenario.GOOGLE, publicCa.issueServer(List.of(Scenario.GOOGLE), Duration.ofHours(1)));
    }

    @AfterAll
    static void stop() {
        google.close();
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThat(google.httpAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(google.httpsAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(google.httpAddress().getPort()).isNotEqualTo(google.httpsAddress().getPort());
    }

    @Test
    void answersGetWithABodyNamingTheHost() throws IOException {
        try (Socket s = new Socket(google.httpAddress().getAddress(), google.httpAddress().getPort())) {
            String response = exchange(s, "GET / HTTP/1.1\r\nHost: developers.google.com\r\nConnection: close\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 200").contains("stand-in for developers.google.com");
        }
    }

    @Test
    void answersHeadWithHeadersOnly() throws IOException {
        try (Socket s = new Socket(google.httpAddress().getAddress(), google.httpAddress().getPort())) {
            String response = exchange(s, "HEAD /any/path HTTP/1.1\r\nHost: Developers.Google.com:80\r\nConnection: close\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 200").doesNotContain("stand-in for");
        }
    }

    @Test
    void refusesARequestForAnotherHost() throws IOException {
        // a routing bug that sends yahoo's traffic here must not count as "ok"
        try (Socket s = new Socket(google.httpAddress().getAddress(), google.httpAddress().getPort())) {
            String response = exchange(s, "GET / HTTP/1.1\r\nHost: developer.yahoo.com\r\nConnection: close\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 421");
        }
    }

    @Test
    void servesTlsWithAPublicCaCertificateForItsName() throws Exception {
        try (SSLSocket s = tlsClient("developers.google.com")) {
            s.startHandshake();
            String response = exchange(s, "HEAD / HTTP/1.1\r\nHost: developers.google.com\r\nConnection: close\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void tlsClientExpectingAnotherHostRejectsTheCertificate() throws Exception {
        try (SSLSocket s = tlsClient("developer.yahoo.com")) {
            assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void hostOfStripsPortCaseAndTrailingDot() {
        assertThat(StandInHost.hostOf("Developers.Google.COM.:443")).isEqualTo("developers.google.com");
        assertThat(StandInHost.hostOf(null)).isEmpty();
    }

    private static SSLSocket tlsClient(String serverName) throws Exception {
        KeyStore roots = KeyStore.getInstance("PKCS12");
        roots.load(null, null);
        roots.setCertificateEntry("ca", publicCa.rootCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(roots);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(google.httpsAddress().getAddress(), google.httpsAddress().getPort());
        var params = s.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(serverName)));
        params.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(params);
        return s;
    }

    private static String exchange(Socket s, String request) throws IOException {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
}
