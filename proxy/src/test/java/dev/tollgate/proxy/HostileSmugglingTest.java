package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request smuggling and framing, through the real sidecar and gateway (issue 6 section 1.1): each case says what the
 * client gets, what the access log says, and what the capturing upstreams received (never the smuggled request).
 */
class HostileSmugglingTest {
    static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: denied.test\r\n\r\n";

    static HostileRig h;

    @BeforeAll
    static void start() throws Exception {
        h = new HostileRig();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
    }

    @BeforeEach
    void clear() {
        h.direct.received.clear();
        h.external.received.clear();
    }

    static HostileRig.Client sidecar() throws IOException {
        return new HostileRig.Client(h.sidecar.address());
    }

    /** A client of the gateway with a mesh certificate, as a sidecar (or an attacker holding one) connects. */
    static HostileRig.Client gateway() throws IOException {
        return gatewayFor(h);
    }

    static HostileRig.Client gatewayFor(HostileRig h) throws IOException {
        InetSocketAddress gw = h.gatewayHttp();
        SSLSocket s = (SSLSocket) h.rig.mesh.sslContext(h.rig.mesh.workload(Rig.TD, "default", "sleep"))
                .getSocketFactory().createSocket(gw.getAddress(), gw.getPort());
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(Rig.GOOGLE)));
        s.setSSLParameters(p);
        s.startHandshake();
        return new HostileRig.Client(s);
    }

    /** Asserts a local 400 whose body is the logged reason, then a closed connection. */
    static void refused(HostileRig.Client c, String proxy, String marker, String reason) throws Exception {
        HostileRig.Response r = c.read();
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(reason + "\n");
        assertThat(c.closed()).isTrue();
        AccessLogEntry e = h.entry(proxy, marker);
        assertThat(e.decision()).isEqualTo("error");
        assertThat(e.responseCode()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo(reason);
    }

    @Test
    void connectionNamingContentLengthIsRefusedAndTheSmuggledRequestNeverReachesTheUpstream() throws Exception {
        try (HostileRig.Client c = sidecar()) {
            c.write("POST http://allowed.example/cl-nominated HTTP/1.1\r\nHost: allowed.example\r\n"
                    + "Connection: Content-Length\r\nContent-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED);
            refused(c, "sidecar", "/cl-nominated",
                    "malformed request: Connection header names content-length, an end-to-end header");
        }
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void connectionNamingTransferEncodingIsRefused() throws Exception {
        String body = Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
        try (HostileRig.Client c = sidecar()) {
            c.write("POST http://allowed.example/te-nominated HTTP/1.1\r\nHost: allowed.example\r\n"
                    + "Connection: keep-alive, Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
            refused(c, "sidecar", "/te-nominated",
                    "malformed request: Connection header names transfer-encoding, an end-to-end header");
        }
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void connectionNamingHostIsRefused() throws Exception {
        try (HostileRig.Client c = sidecar()) {
            c.write("GET http://allowed.example/host-nominated HTTP/1.1\r\nHost: allowed.example\r\n"
                    + "Connection: host\r\n\r\n");
            refused(c, "sidecar", "/host-nominated",
                    "malformed request: Connection header names host, an end-to-end header");
        }
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void connectionWithTenOptionsIsRefusedAsEnvoyDoes() throws Exception {
        try (HostileRig.Client c = sidecar()) {
            c.write("GET http://allowed.example/many-options HTTP/1.1\r\nHost: allowed.example\r\n"
                    + "Connection: a1, a2, a3, a4, a5, a6, a7, a8, a9, a10\r\n\r\n");
            refused(c, "sidecar", "/many-options", "malformed request: Connection header names 10 or more options");
        }
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void connectionNamingOrdinaryHeadersRemovesThemButNeverTheFraming() throws Exception {
        try (HostileRig.Client c = sidecar()) {
            c.write("POST http://allowed.example/ordinary-nominated HTTP/1.1\r\nHost: allowed.example\r\n"
                    + "Connection: TE, X-Hop\r\nTE: trailers\r\nX-Hop: 1\r\nX-Kept: 2\r\nContent-Length: 5\r\n\r\n"
                    + "hello");
            HostileRig.Response r = c.read();
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok POST /ordinary-nominated HTTP/1.1\n");
        }
        assertThat(h.direct.received).hasSize(1);
        HostileRig.Received got = h.direct.received.peek();
        assertThat(got.body()).isEqualTo("hello");
        assertThat(got.header("Content-Length")).isEqualTo("5");
        assertThat(got.header("X-Kept")).isEqualTo("2");
        assertThat(got.header("X-Hop")).isNull();
        assertThat(got.header("TE")).isNull();
        assertThat(got.header("Connection")).isNull();
        assertThat(h.entry("sidecar", "/ordinary-nominated").decision()).isEqualTo("allowed");
    }

    @Test
    void smuggledRequestTowardsTheGatewayIsRefusedAtTheSidecar() throws Exception {
        String inner = "GET /admin/secret-data HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n";
        try (HostileRig.Client c = sidecar()) {
            c.write("POST http://" + Rig.GOOGLE + "/ok/outer HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n"
                    + "Connection: Content-Length\r\nContent-Length: " + inner.length() + "\r\n\r\n" + inner);
            refused(c, "sidecar", "/ok/outer",
                    "malformed request: Connection header names content-length, an end-to-end header");
        }
        HostileRig.settle();
        assertThat(h.external.received).isEmpty();
        assertThat(h.rig.log).noneMatch(e -> e.proxy().startsWith("gateway") && e.request().orElse("")
                .contains("/ok/outer"));
    }

    @Test
    void doubleSmuggleStraightToTheGatewayCannotPassItsDenyOnAdmin() throws Exception {
        // what the sidecar used to forward unframed: the gateway itself must refuse it too
        String inner = "GET /admin/secret-data HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n";
        try (HostileRig.Client c = gateway()) {
            c.write("POST /ok/double HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\nConnection: content-length\r\n"
                    + "Content-Length: " + inner.length() + "\r\n\r\n" + inner);
            refused(c, "gateway", "/ok/double",
                    "malformed request: Connection header names content-length, an end-to-end header");
        }
        HostileRig.settle();
        assertThat(h.external.received).isEmpty();
    }

    /**
     * A path in raw UTF-8 (the client's bytes C3 A9 for an e with acute accent): the proxies read request lines byte by
     * byte, so it would reach the path rules as two other characters and could miss a DENY naming it. Refused at the
     * sidecar and at the gateway alike, before any rule is asked; nothing reaches an upstream.
     */
    @Test
    void aPathThatIsNotAsciiIsRefusedByBothProxies() throws Exception {
        String path = "/caf\u00c3\u00a9";   // written as ISO-8859-1: the bytes C3 A9 on the wire
        String reason = "malformed request: request target \"/caf\\u00C3\\u00A9\" has a character that is not"
                + " visible ASCII at 4; percent-encode it (RFC 3986)";
        try (HostileRig.Client c = sidecar()) {
            c.write("GET http://" + Rig.GOOGLE + path + " HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n");
            refused(c, "sidecar", "/caf", reason);
        }
        try (HostileRig.Client c = gateway()) {
            c.write("GET " + path + " HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n");
            HostileRig.Response r = c.read();
            assertThat(r.code()).isEqualTo(400);
            assertThat(r.body()).isEqualTo(reason + "\n");
        }
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
        assertThat(h.external.received).isEmpty();
    }

    @Test
    void gatewayStillDeniesAdminWhenAskedPlainly() throws Exception {
        try (HostileRig.Client c = gateway()) {
            c.write("GET /admin/secret-data HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n");
            HostileRig.Response r = c.read();
            assertThat(r.code()).isEqualTo(403);
            assertThat(r.body()).isEqualTo("RBAC: access denied");
        }
        AccessLogEntry e = h.entry("gateway", "/admin/secret-data");
        assertThat(e.decision()).isEqualTo("denied");
        assertThat(e.reason()).isEqualTo("rbac_access_denied_matched_policy[ns[istio-system]-policy[deny-admin]-rule[0]]");
        HostileRig.settle();
        assertThat(h.external.received).isEmpty();
    }

    @Test
    void duplicateContentLengthIsRefused() throws Exception {
        try (HostileRig.Client c = sidecar()) {
            c.write("POST http://allowed.example/dup-cl HTTP/1.1\r\nHost: allowed.example\r\nContent-Length: 5\r\n"
                    + "Content-Length: " + (5 + SMUGGLED.length()) + "\r\n\r\nhello" + SMUGGLED);
            HostileRig.Response r = c.read();
            assertThat(r.code()).isEqualTo(400);
            assertThat(r.body()).startsWith("malformed request: ").contains("Content-Length");
            assertThat(c.closed()).isTrue();
        }
        AccessLogEntry e = h.entry("sidecar", "POST http://allowed.example/dup-cl");
        assertThat(e.responseCode()).isEqualTo(400);
        assertThat(e.reason()).startsWith("malformed request: ").contains("Content-Length");
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void contentLengthWithChunkedIsRefused() throws Exception {
        // CL.TE: a front end that believed Content-Length would pass the tail on as the start of a request
        String tail = "GET /smuggled HTTP/1.1\r\nHost: allowed.example\r\n\r\n";
        try (HostileRig.Client c = sidecar()) {
            c.write("POST http://allowed.example/cl-te HTTP/1.1\r\nHost: allowed.example\r\nContent-Length: 4\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + tail);
            refused(c, "sidecar", "/cl-te", "malformed request: Content-Length are not allowed in HTTP/1.1 messages "
                    + "that contains a Transfer-Encoding header.");
        }
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void transferEncodingOtherThanChunkedIsRefused() throws Exception {
        for (String te : new String[]{"chunked, identity", "gzip, chunked", "xchunked"}) {
            String marker = "/te-" + te.replaceAll("[^a-z]", "");
            try (HostileRig.Client c = sidecar()) {
                c.write("POST http://allowed.example" + marker + " HTTP/1.1\r\nHost: allowed.example\r\n"
                        + "Transfer-Encoding: " + te + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
                HostileRig.Response r = c.read();
                assertThat(r.code()).as(te).isEqualTo(400);
                assertThat(c.closed()).as(te).isTrue();
            }
            AccessLogEntry e = h.entry("sidecar", marker);
            assertThat(e.responseCode()).as(te).isEqualTo(400);
            assertThat(e.reason()).as(te).matches("(malformed request|ambiguous request framing): .*")
                    .containsAnyOf("Transfer-Encoding", "transfer coding");
        }
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void badChunkSizeNeverLetsAPartialBodyLookComplete() throws Exception {
        try (HostileRig.Client c = sidecar()) {
            c.write("POST http://allowed.example/bad-chunk HTTP/1.1\r\nHost: allowed.example\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n" + SMUGGLED);
            HostileRig.Response r = c.read();
            assertThat(r.code()).isIn(400, 502);
            assertThat(c.closed()).isTrue();
        }
        AccessLogEntry e = h.entry("sidecar", "/bad-chunk");
        assertThat(e.decision()).isEqualTo("error");
        assertThat(e.reason()).startsWith("malformed request body: ");
        HostileRig.settle();
        // the upstream may have seen the head and the first chunk, never a complete request nor the smuggled one
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void obsFoldInHostIsRefused() throws Exception {
        try (HostileRig.Client c = sidecar()) {
            c.write("GET http://allowed.example/obs-fold HTTP/1.1\r\nHost: allowed.example\r\n denied.test\r\n\r\n");
            HostileRig.Response r = c.read();
            assertThat(r.code()).isEqualTo(400);
            assertThat(c.closed()).isTrue();
        }
        AccessLogEntry e = h.entry("sidecar", "/obs-fold");
        assertThat(e.responseCode()).isEqualTo(400);
        assertThat(e.reason()).isNotEmpty();
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    @Test
    void bareLineFeedsAreRefused() throws Exception {
        try (HostileRig.Client c = sidecar()) {
            c.write("GET http://allowed.example/bare-lf HTTP/1.1\nHost: allowed.example\n\n");
            HostileRig.Response r = c.read();
            assertThat(r.code()).isEqualTo(400);
            assertThat(c.closed()).isTrue();
        }
        // the decoder cannot read the request line, so the log names the reason, not the URI
        AccessLogEntry e = h.rig.awaitLog(x -> x.reason().equals("malformed request: Line Feed must be preceded by "
                + "Carriage Return when terminating HTTP start- and header field-lines"));
        assertThat(e.responseCode()).isEqualTo(400);
        HostileRig.settle();
        assertThat(h.direct.received).isEmpty();
    }

    // ------------------------------------------------------------------ pooled connections to the gateway

    /**
     * A stand-in gateway that answers {@code /twice} with two responses (what a smuggled request made a real gateway
     * do) and everything else once: the sidecar's pooled connection must never hand the second answer to another
     * client.
     */
    @Test
    void strayResponsesOnAPooledConnectionNeverCrossToAnotherClient() throws Exception {
        try (Rig rig = new Rig()) {
            RawUpstream fakeGateway = new RawUpstream(Optional.of(rig.mesh.sslContext(rig.mesh.workload(Rig.TD,
                    "istio-system", "istio-egressgateway-service-account"))), (head, in, out) -> {
                String path = head.split(" ", 3)[1];
                answer(out, "first " + path);
                if (path.equals("/twice-now")) {
                    answer(out, "STRAY");
                } else if (path.equals("/twice-later")) {
                    out.flush();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    answer(out, "STRAY");
                }
                return true;
            });
            try (fakeGateway) {
                rig.sidecarHosts.add(Rig.GW_HOST + ":80:127.0.0.1:" + fakeGateway.port());
                Sidecar sc = rig.startSidecar(Rig.DEFAULT_SLEEP);
                for (String first : new String[]{"/twice-now", "/twice-later"}) {
                    for (int i = 0; i < 5; i++) {
                        try (HostileRig.Client a = new HostileRig.Client(sc.address())) {
                            a.write("GET http://" + Rig.GOOGLE + first + " HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n");
                            assertThat(a.read().body()).isEqualTo("first " + first);
                        }
                        if (first.equals("/twice-later")) {
                            // the stray answer comes while the connection idles in the pool
                            Thread.sleep(400);
                        }
                        try (HostileRig.Client b = new HostileRig.Client(sc.address())) {
                            b.write("GET http://" + Rig.GOOGLE + "/next HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n");
                            HostileRig.Response r = b.read();
                            assertThat(r.code()).isEqualTo(200);
                            assertThat(r.body()).as(first + " try " + i).isEqualTo("first /next");
                        }
                    }
                }
            }
        }
    }

    private static void answer(OutputStream out, String body) throws IOException {
        RawUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    }
}
