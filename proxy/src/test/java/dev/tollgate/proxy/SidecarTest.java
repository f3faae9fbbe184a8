package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sidecar on its own: direct upstreams, refusals, and hostile clients. */
class SidecarTest {
    static Rig rig;
    static Sidecar sidecar;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        // nothing listens on port 1: an operator-given address, so the address guard lets it through to fail
        rig.sidecarHosts.add("refused.example::127.0.0.1:1");
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP);
        client = rig.client(sidecar);
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
    }

    @Test
    void httpRequestIsForwardedDirectInOriginFormKeepingHost() throws Exception {
        HttpResponse<String> r = Rig.get(client, "http://plain.example/path?q=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("hello GET plain.example /path?q=1");
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/path?q=1"));
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.responseCode()).isEqualTo(200);
        assertThat(e.sourcePrincipal()).contains("cluster.local/ns/default/sa/sleep");
        assertThat(e.destinationHost()).isEqualTo("plain.example");
        assertThat(e.destinationPort()).isEqualTo(80);
        assertThat(e.route()).isEqualTo("outbound|80||plain.example");
        assertThat(e.upstreamAddress()).contains("127.0.0.1:" + rig.plainPort());
        assertThat(e.bytesSent()).isGreaterThan(0);
    }

    @Test
    void connectTunnelReachesTheTlsUpstream() throws Exception {
        try (HttpClient own = rig.client(sidecar)) {
            HttpResponse<String> r = Rig.get(own, "https://direct.example/secure");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("hello GET direct.example /secure");
        }
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.destinationHost().equals("direct.example")
                && x.bytesSent() > 0);
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.sni()).contains("direct.example");
        assertThat(e.responseCode()).isEqualTo(200);
    }

    @Test
    void longTransfersThroughASplicedTunnelArriveWholeAndAreCountedToAChunk() throws Exception {
        byte[] upload = new byte[3 * 1024 * 1024];
        Sidecar spliced = rig.startSidecar(Rig.DEFAULT_SLEEP, true);
        try (HttpClient own = rig.client(spliced)) {
            HttpResponse<byte[]> r = own.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("https://direct.example/big")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(Rig.big());
            HttpResponse<String> up = own.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("https://direct.example/upload-tunnel"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(up.body()).contains("body=" + upload.length);
        }
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.destinationHost().equals("direct.example")
                && x.bytesSent() > Rig.BIG / 2 && x.sourceAddress().equals(x.sourceAddress()) && x.reason().contains("tunnel"));
        assertThat(e.bytesSent()).isGreaterThan(Rig.BIG - Splice.CHUNK);
        assertThat(e.bytesReceived()).isGreaterThan(upload.length - Splice.CHUNK);
        if (Transport.EPOLL) {
            assertThat(e.reason()).endsWith("(spliced)");
        }
    }

    @Test
    void tlsOriginationWhenTheRouteSaysSimple() throws Exception {
        HttpResponse<String> r = Rig.get(client, "http://origin.example/o");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("hello GET origin.example /o");
    }

    @Test
    void tlsOriginationChecksTheRulesSubjectAltNamesOrTheHostName() throws Exception {
        assertThat(Rig.get(client, "http://san.example/s").statusCode()).isEqualTo(200);
        HttpResponse<String> wrongSan = Rig.get(client, "http://wrong-san.example/s");
        assertThat(wrongSan.statusCode()).isEqualTo(503);
        assertThat(wrongSan.body()).contains("none of the subjectAltNames [other.example]");
        // the stand-in's certificate does not name wrong-name.example: host name verification must fail
        HttpResponse<String> wrongName = Rig.get(client, "http://wrong-name.example/s");
        assertThat(wrongName.statusCode()).isEqualTo(503);
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("wrong"));
    }

    @Test
    void refusedHttpGets502WithTheReasonInBodyAndLog() throws Exception {
        HttpResponse<String> r = Rig.get(client, "http://blocked.example/x");
        assertThat(r.statusCode()).isEqualTo(502);
        String reason = "REGISTRY_ONLY: blocked.example:80 is not in the registry of default";
        assertThat(r.body()).isEqualTo(reason + "\n");
        AccessLogEntry e = rig.awaitLog(x -> x.destinationHost().equals("blocked.example") && x.destinationPort() == 80);
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.responseCode()).isEqualTo(502);
        assertThat(e.policyOrNone()).isEqualTo("[none]");
    }

    @Test
    void refusedConnectGets502WithTheReason() throws Exception {
        String resp = Rig.raw(sidecar.address(), "CONNECT blocked.example:443 HTTP/1.1\r\nHost: blocked.example:443\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 502 Bad Gateway")
                .endsWith("REGISTRY_ONLY: blocked.example:443 is not in the registry of default\n");
        AccessLogEntry e = rig.awaitLog(x -> x.destinationHost().equals("blocked.example") && x.destinationPort() == 443);
        assertThat(e.protocol()).isEqualTo("tunnel");
        assertThat(e.decision()).isEqualTo("refused");
    }

    @Test
    void sniThatDiffersFromTheConnectHostClosesTheTunnel() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sidecar.address().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream o = s.getOutputStream();
            o.write("CONNECT direct.example:443 HTTP/1.1\r\nHost: direct.example:443\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            o.flush();
            InputStream in = s.getInputStream();
            String status = readHead(in);
            assertThat(status).startsWith("HTTP/1.1 200 Connection established");
            SSLSocket t = (SSLSocket) rig.publicCa.sslContext(null).getSocketFactory()
                    .createSocket(s, "evil.example", 443, false);
            SSLParameters p = t.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName("evil.example")));
            t.setSSLParameters(p);
            assertThatThrownBy(t::startHandshake).isInstanceOf(java.io.IOException.class);
        }
        AccessLogEntry e = rig.awaitLog(x -> x.destinationHost().equals("direct.example")
                && x.decision().equals("refused") && x.reason().startsWith("TLS SNI "));
        assertThat(e.reason()).isEqualTo("TLS SNI evil.example does not match the CONNECT host direct.example:443");
        assertThat(e.sni()).contains("evil.example");
    }

    @Test
    void nonTlsBytesInATunnelAreRefused() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sidecar.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("CONNECT direct.example:443 HTTP/1.1\r\n\r\n".getBytes());
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: direct.example\r\n\r\n".getBytes());
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        AccessLogEntry e = rig.awaitLog(x -> x.reason().equals("tunnel did not start with a TLS ClientHello"));
        assertThat(e.decision()).isEqualTo("refused");
    }

    @Test
    void aTunnelThatNeverSendsAClientHelloIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sidecar.address().getPort())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write("CONNECT direct.example:443 HTTP/1.1\r\n\r\n".getBytes());
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
            s.getOutputStream().write(new byte[]{22, 3, 1});
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        AccessLogEntry e = rig.awaitLog(x -> x.reason().equals("no whole ClientHello within 10 s"));
        assertThat(e.decision()).isEqualTo("refused");
    }

    static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    @Test
    void hostHeaderThatDiffersFromTheUriIsRefused() throws Exception {
        String resp = Rig.raw(sidecar.address(), "GET http://plain.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 502 Bad Gateway")
                .endsWith("Host header evil.example does not match the request's host plain.example\n");
        AccessLogEntry e = rig.awaitLog(x -> x.reason().startsWith("Host header evil.example "));
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(rig.upstreamSaw).noneMatch(s -> s.contains("evil.example"));
    }

    @Test
    void hostComparisonIgnoresCaseTrailingDotAndDefaultPort() throws Exception {
        String resp = Rig.raw(sidecar.address(),
                "GET http://PLAIN.example./same HTTP/1.1\r\nHost: plain.example:80\r\nConnection: close\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 200");
    }

    static Stream<Arguments> hostile() {
        String big = "x".repeat(40_000);
        return Stream.of(
                Arguments.of(Named.of("garbage request line", "\u0001\u0002 garbage\r\n\r\n"), "HTTP/1.1 400",
                        "malformed request"),
                Arguments.of(Named.of("headers larger than 32 KiB",
                        "GET http://plain.example/ HTTP/1.1\r\nHost: plain.example\r\nX-Big: " + big + "\r\n\r\n"),
                        "HTTP/1.1 431", "malformed request: headers too large"),
                Arguments.of(Named.of("request line longer than 8 KiB",
                        "GET http://plain.example/" + big + " HTTP/1.1\r\nHost: plain.example\r\n\r\n"),
                        "HTTP/1.1 414", "malformed request: request line too long"),
                Arguments.of(Named.of("CONNECT to port 0", "CONNECT plain.example:0 HTTP/1.1\r\n\r\n"),
                        "HTTP/1.1 400", "malformed CONNECT target: expected host:port with a port of 1-65535"),
                Arguments.of(Named.of("CONNECT without a port", "CONNECT plain.example HTTP/1.1\r\n\r\n"),
                        "HTTP/1.1 400", "malformed CONNECT target: expected host:port with a port of 1-65535"),
                Arguments.of(Named.of("CONNECT with user info", "CONNECT a@plain.example:443 HTTP/1.1\r\n\r\n"),
                        "HTTP/1.1 400", "malformed CONNECT target: expected host:port with a port of 1-65535"),
                Arguments.of(Named.of("missing Host header", "GET http://plain.example/ HTTP/1.1\r\n\r\n"),
                        "HTTP/1.1 400", "missing Host header"),
                Arguments.of(Named.of("two Host headers",
                        "GET http://plain.example/ HTTP/1.1\r\nHost: plain.example\r\nHost: evil.example\r\n\r\n"),
                        "HTTP/1.1 400", "more than one Host header"),
                Arguments.of(Named.of("Content-Length and Transfer-Encoding (RFC 9112 6.3)",
                        "POST http://plain.example/ HTTP/1.1\r\nHost: plain.example\r\nContent-Length: 4\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"),
                        "HTTP/1.1 400", "malformed request: Content-Length are not allowed in HTTP/1.1 messages that "
                                + "contains a Transfer-Encoding header"),
                Arguments.of(Named.of("two different Content-Lengths",
                        "POST http://plain.example/ HTTP/1.1\r\nHost: plain.example\r\nContent-Length: 4\r\n"
                                + "Content-Length: 5\r\n\r\nabcde"), "HTTP/1.1 400",
                        "malformed request: Multiple Content-Length values found"),
                Arguments.of(Named.of("Transfer-Encoding other than chunked",
                        "POST http://plain.example/ HTTP/1.1\r\nHost: plain.example\r\n"
                                + "Transfer-Encoding: gzip\r\n\r\n"), "HTTP/1.1 400",
                        "malformed request: The final transfer coding must be chunked"),
                Arguments.of(Named.of("invalid chunk size in the body",
                        "POST http://plain.example/chunks HTTP/1.1\r\nHost: plain.example\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"), "HTTP/1.1 400",
                        "malformed request body"),
                Arguments.of(Named.of("origin-form request (not a proxy request)",
                        "GET / HTTP/1.1\r\nHost: plain.example\r\n\r\n"), "HTTP/1.1 400",
                        "not a proxy request: the request URI must be absolute (http://host/path)"),
                Arguments.of(Named.of("https:// absolute URI instead of CONNECT",
                        "GET https://plain.example/ HTTP/1.1\r\nHost: plain.example\r\n\r\n"), "HTTP/1.1 400",
                        "https:// requests must use CONNECT"),
                Arguments.of(Named.of("URI authority with user info",
                        "GET http://user@plain.example/ HTTP/1.1\r\nHost: plain.example\r\n\r\n"), "HTTP/1.1 400",
                        "malformed request URI authority"));
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void hostileRequestsGetAClearStatusAndAClosedConnection(String request, String status, String reason)
            throws Exception {
        int before = rig.log.size();
        String resp = Rig.raw(sidecar.address(), request);
        assertThat(resp).startsWith(status);
        assertThat(resp.toLowerCase()).contains("connection: close");
        AccessLogEntry e = rig.awaitLog(x -> x.reason().startsWith(reason) && x.responseCode() == Integer.parseInt(
                status.substring(9, 12)));
        assertThat(e.decision()).isIn("error", "refused");
        assertThat(rig.log.size()).isGreaterThan(before);
        assertThat(rig.upstreamSaw).noneMatch(s -> s.contains("smuggled") || s.contains("/chunks"));
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        String two = "GET http://plain.example/one HTTP/1.1\r\nHost: plain.example\r\n\r\n"
                + "HEAD http://plain.example/two HTTP/1.1\r\nHost: plain.example\r\n\r\n"
                + "GET http://plain.example/three HTTP/1.1\r\nHost: plain.example\r\nConnection: close\r\n\r\n";
        String resp = Rig.raw(sidecar.address(), two);
        int one = resp.indexOf("hello GET plain.example /one");
        int three = resp.indexOf("hello GET plain.example /three");
        assertThat(one).isPositive();
        assertThat(three).isGreaterThan(one);
        assertThat(resp.split("HTTP/1.1 200", -1)).hasSize(4);
        assertThat(resp).doesNotContain("hello HEAD");
    }

    @Test
    void requestBodiesAreStreamed() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024];
        HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://plain.example/upload"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("body=" + body.length);
    }

    @Test
    void upstreamThatRefusesConnectionsGets503() throws Exception {
        String resp = Rig.raw(sidecar.address(), "GET http://refused.example/ HTTP/1.1\r\nHost: refused.example\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 503");
        AccessLogEntry e = rig.awaitLog(x -> x.destinationHost().equals("refused.example"));
        assertThat(e.reason()).startsWith("upstream connect error");
    }

    @Test
    void adminEndpointsAnswer() throws Exception {
        InetSocketAddress admin = sidecar.adminAddress().orElseThrow();
        HttpClient plainClient = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + admin.getPort();
        assertThat(Rig.get(plainClient, base + "/ready").statusCode()).isEqualTo(200);
        assertThat(Rig.get(plainClient, base + "/healthz").statusCode()).isEqualTo(200);
        Rig.get(client, "http://plain.example/metered");
        rig.awaitLog(x -> x.request().orElse("").contains("/metered"));
        String metrics = Rig.get(plainClient, base + "/metrics").body();
        assertThat(metrics).contains("tollgate_requests_total{").contains("decision=\"allowed\"")
                .contains("tollgate_request_duration_seconds_bucket").contains("tollgate_certificate_expiry_timestamp_seconds")
                .contains("tollgate_config_reloads_total");
        HttpResponse<String> dump = Rig.get(plainClient, base + "/config_dump");
        assertThat(dump.statusCode()).isEqualTo(200);
        assertThat(dump.body()).contains("kind: MeshConfig").contains("mode: ALLOW_ANY");
    }
}
