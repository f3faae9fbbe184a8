package dev.tollgate.proxy;

import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.snapshot.MeshSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow and flooding clients against the real listeners: slowloris heads, oversized heads, many connections from one
 * source or principal, a full connection ceiling, and request rates. Each case checks what the client sees, the
 * logged reason, the {@code tollgate_limit_rejections_total} series, and that nothing refused reached the upstream;
 * the connections already open keep working. Limits and timeouts are small (300 ms) so that it runs fast.
 */
class HostileFloodTest {
    static final Duration T = Duration.ofMillis(300);
    static Rig rig;
    final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
    }

    @AfterEach
    void closeProxies() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        for (Sidecar s : rig.sidecars) {
            s.close();
        }
        rig.sidecars.clear();
        if (rig.gateway != null) {
            rig.gateway.close();
            rig.gateway = null;
        }
        rig.sidecarSettings = s -> s;
        rig.gatewaySettings = s -> s;
    }

    private Sidecar sidecar(Limits limits) throws Exception {
        rig.sidecarSettings = s -> s.withLimits(limits);
        return rig.startSidecar(Rig.DEFAULT_SLEEP);
    }

    private EgressGateway gateway(Limits limits) throws Exception {
        rig.gatewaySettings = s -> s.withLimits(limits);
        return rig.startGateway();
    }

    private static Limits limits() {
        return Limits.DEFAULTS.withHeaderTimeout(T);
    }

    // ---- header-read timeout ------------------------------------------------------------------------------------

    @Test
    void slowlorisHeadIsCutAfterTheHeaderTimeoutThoughBytesKeepComing() throws Exception {
        Sidecar sc = sidecar(limits());
        Socket s = open(sc.address());
        OutputStream out = s.getOutputStream();
        out.write(ascii("GET http://plain.example/slowloris HTTP/1.1\r\nHost: plain.example\r\n"));
        out.flush();
        long start = System.nanoTime();
        // one header line every 50 ms for up to 5 s: each byte would reset an idle timer
        CompletableFuture<Void> drip = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    Thread.sleep(50);
                    out.write(ascii("X-Drip-" + i + ": 1\r\n"));
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the proxy closed the connection: what the test waits for
            }
        });
        String got = readToClose(s);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        String reason = "request head not received within 300 ms (limit: header-timeout)";
        assertThat(got).isEqualTo("HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: "
                + (reason.length() + 1) + "\r\nconnection: close\r\n\r\n" + reason + "\n");
        assertThat(tookMs).as("cut while the drip still had seconds to go").isLessThan(4000);
        drip.get(10, TimeUnit.SECONDS);
        AccessLogEntry e = rig.awaitLog(l -> l.reason().equals(reason) && l.proxy().startsWith("sidecar"));
        assertThat(e.responseCode()).isEqualTo(408);
        assertThat(e.sourcePrincipal()).contains("cluster.local/ns/default/sa/sleep");
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("slowloris"));
        assertThat(rejections(sc.adminAddress().orElseThrow(), "header_timeout")).isEqualTo(1.0);
    }

    @Test
    void theNextHeadOnAKeepAliveConnectionIsTimedTooButSilenceIsLeftToTheIdleTimeout() throws Exception {
        Sidecar sc = sidecar(limits());
        Socket s = open(sc.address());
        assertThat(exchange(s, get("/keepalive-1"))).startsWith("HTTP/1.1 200 ");
        // silent for three header timeouts: a pooled keep-alive connection must not be cut for waiting
        Thread.sleep(3 * T.toMillis());
        assertThat(exchange(s, get("/keepalive-2"))).startsWith("HTTP/1.1 200 ");
        // now a second head that never completes
        s.getOutputStream().write(ascii("GET http://plain.example/keepalive-3 HTTP/1.1\r\nHost: pl"));
        s.getOutputStream().flush();
        Thread.sleep(T.toMillis() / 2);
        s.getOutputStream().write(ascii("ain.example\r\n"));
        s.getOutputStream().flush();
        assertThat(readToClose(s)).startsWith("HTTP/1.1 408 Request Timeout\r\n");
        rig.awaitLog(l -> l.responseCode() == 408 && l.proxy().startsWith("sidecar"));
        assertThat(rig.upstreamSaw).anyMatch(x -> x.contains("/keepalive-2")).noneMatch(x -> x.contains("keepalive-3"));
    }

    @Test
    void aGatewayPeerThatNeverFinishesItsClientHelloIsCut() throws Exception {
        EgressGateway gw = gateway(limits());
        dripClientHelloUntilCut(open(gw.listeners().get(443)));
        AccessLogEntry e = rig.awaitLog(l -> l.proxy().startsWith("gateway") && l.reason()
                .equals("mTLS handshake not complete within 300 ms (limit: header-timeout)"));
        assertThat(e.protocol()).isEqualTo("tcp");
        assertThat(e.destinationPort()).isEqualTo(443);
        assertThat(rejections(gw.adminAddress().orElseThrow(), "handshake_timeout")).isEqualTo(1.0);
    }

    /** The same peer at a PASSTHROUGH server, where the ClientHello is only peeked at, never terminated. */
    @Test
    void aPassthroughPeerThatNeverFinishesItsClientHelloIsCut() throws Exception {
        MeshSnapshot before = rig.snapshot.get();
        List<GatewayListener> listeners = new ArrayList<>(Rig.LISTENERS);
        listeners.add(new GatewayListener(8443, new GatewayServerKind(PortProtocol.TLS, ServerTlsMode.PASSTHROUGH),
                List.of(Rig.GOOGLE), List.of()));
        rig.snapshot.set(new FakeSnapshot(Rig::outbound, listeners, Rig::gatewayDecision));
        try {
            EgressGateway gw = gateway(limits());
            dripClientHelloUntilCut(open(gw.listeners().get(8443)));
            AccessLogEntry e = rig.awaitLog(l -> l.proxy().startsWith("gateway") && l.reason()
                    .equals("no whole ClientHello within 300 ms (limit: header-timeout)"));
            assertThat(e.protocol()).isEqualTo("tcp");
            assertThat(e.destinationPort()).isEqualTo(8443);
            assertThat(rejections(gw.adminAddress().orElseThrow(), "handshake_timeout")).isEqualTo(1.0);
        } finally {
            rig.snapshot.set(before);
        }
    }

    /** Sends a real ClientHello one byte every 50 ms, and expects the connection closed, silently, within 4 s. */
    private static void dripClientHelloUntilCut(Socket s) throws Exception {
        OutputStream out = s.getOutputStream();
        byte[] hello = clientHello();
        CompletableFuture<Void> drip = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < Math.min(100, hello.length); i++) {
                    out.write(hello[i]);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException | InterruptedException e) {
                // cut
            }
        });
        long start = System.nanoTime();
        assertThat(readToClose(s)).isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4000);
        drip.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSilentConnectionIsLeftToTheIdleTimeoutWhichClosesAndCountsIt() throws Exception {
        rig.sidecarSettings = s -> s.withLimits(limits()).withIdleTimeout(Duration.ofMillis(600));
        Sidecar sc = rig.startSidecar(Rig.DEFAULT_SLEEP);
        Socket silent = open(sc.address());
        long start = System.nanoTime();
        assertThat(readToClose(silent)).as("no 408: nothing was sent").isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(500L, 5000L);
        assertThat(rejections(sc.adminAddress().orElseThrow(), "idle_timeout")).isEqualTo(1.0);
        assertThat(rejections(sc.adminAddress().orElseThrow(), "header_timeout")).isZero();
    }

    // ---- head sizes -----------------------------------------------------------------------------------------------

    @Test
    void anOversizedRequestLineIs414AndNamesTheLimit() throws Exception {
        Sidecar sc = sidecar(limits().withMaxRequestLine(256));
        String path = "/long-" + "a".repeat(300);
        String got = Rig.raw(sc.address(), "GET http://plain.example" + path + " HTTP/1.1\r\nHost: plain.example\r\n\r\n");
        String reason = "malformed request: request line too long (over 256 bytes; limit: max-request-line)";
        assertThat(got).startsWith("HTTP/1.1 414 Request-URI Too Long\r\n").endsWith("\r\n\r\n" + reason + "\n");
        rig.awaitLog(l -> l.reason().equals(reason) && l.responseCode() == 414);
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/long-"));
        assertThat(rejections(sc.adminAddress().orElseThrow(), "request_line")).isEqualTo(1.0);
    }

    @Test
    void oversizedHeadersAre431AndNameTheLimit() throws Exception {
        Sidecar sc = sidecar(limits().withMaxHeaders(1024));
        String got = Rig.raw(sc.address(), "GET http://plain.example/fat-head HTTP/1.1\r\nHost: plain.example\r\n"
                + "X-Fat: " + "b".repeat(2000) + "\r\n\r\n");
        String reason = "malformed request: headers too large (over 1024 bytes; limit: max-headers)";
        assertThat(got).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n")
                .endsWith("\r\n\r\n" + reason + "\n");
        rig.awaitLog(l -> l.reason().equals(reason) && l.responseCode() == 431);
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/fat-head"));
        assertThat(rejections(sc.adminAddress().orElseThrow(), "headers")).isEqualTo(1.0);
    }

    // ---- connections per source and the ceiling -------------------------------------------------------------------

    @Test
    void manyIdleConnectionsFromOneSourceGet429ForTheNextWhileTheOpenOnesWork() throws Exception {
        Sidecar sc = sidecar(limits().withMaxConnectionsPerSource(3));
        Socket keepAlive = open(sc.address());
        assertThat(exchange(keepAlive, get("/per-source-1"))).startsWith("HTTP/1.1 200 ");
        Socket idle1 = open(sc.address());
        open(sc.address());
        awaitOpen(sc, 3);
        String reason = "connection limit: 127.0.0.1 already has 3 open connections"
                + " (limit: max-connections-per-source)";
        assertThat(Rig.raw(sc.address(), get("/per-source-refused"))).isEqualTo(response(429, "Too Many Requests",
                reason));
        // the connections already open are untouched
        assertThat(exchange(keepAlive, get("/per-source-2"))).startsWith("HTTP/1.1 200 ");
        assertThat(exchange(idle1, get("/per-source-3"))).startsWith("HTTP/1.1 200 ");
        AccessLogEntry e = rig.awaitLog(l -> l.reason().equals(reason));
        assertThat(e.responseCode()).isEqualTo(429);
        assertThat(e.request()).contains("GET http://plain.example/per-source-refused");
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/per-source-refused"));
        assertThat(rejections(sc.adminAddress().orElseThrow(), "connections_per_source")).isEqualTo(1.0);
        // once one goes away, a new connection is served
        idle1.close();
        awaitOpen(sc, 2);
        assertThat(Rig.raw(sc.address(), getClose("/per-source-after"))).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void aFullCeilingRefusesNewConnectionsWith503ButAdminAndOpenConnectionsAnswer() throws Exception {
        Sidecar sc = sidecar(limits().withMaxConnections(4).withMaxConnectionsPerSource(0));
        InetSocketAddress admin = sc.adminAddress().orElseThrow();
        Socket keepAlive = open(sc.address());
        assertThat(exchange(keepAlive, get("/ceiling-1"))).startsWith("HTTP/1.1 200 ");
        List<Socket> idle = List.of(open(sc.address()), open(sc.address()), open(sc.address()));
        awaitOpen(sc, 4);
        String reason = "connection limit: the proxy holds its maximum of 4 client connections (limit: max-connections)";
        for (int i = 0; i < 5; i++) {
            assertThat(Rig.raw(sc.address(), get("/ceiling-refused-" + i)))
                    .isEqualTo(response(503, "Service Unavailable", reason));
        }
        HttpClient direct = HttpClient.newHttpClient();
        assertThat(adminGet(direct, admin, "/ready").statusCode()).isEqualTo(200);
        assertThat(adminGet(direct, admin, "/healthz").body()).isEqualTo("ok\n");
        String metrics = adminGet(direct, admin, "/metrics").body();
        assertThat(metrics).contains("tollgate_connections_max{proxy=\"sidecar\",workload=\"default/sleep\"} 4.0");
        assertThat(rejections(admin, "connections")).isEqualTo(5.0);
        assertThat(exchange(keepAlive, get("/ceiling-2"))).startsWith("HTTP/1.1 200 ");
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/ceiling-refused"));
        assertThat(rig.log).filteredOn(l -> l.reason().equals(reason)).hasSize(5)
                .allMatch(l -> l.responseCode() == 503);
        // the slow clients go away: new work is served again
        for (Socket s : idle) {
            s.close();
        }
        awaitOpen(sc, 1);
        assertThat(Rig.raw(sc.address(), getClose("/ceiling-after"))).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void aRequestInFlightCompletesWhileTheFullCeilingRefusesNewWork() throws Exception {
        Sidecar sc = sidecar(limits().withMaxConnections(2).withMaxConnectionsPerSource(0));
        Socket slow = open(sc.address());
        slow.getOutputStream().write(ascii(get("/slow")));
        slow.getOutputStream().flush();
        rig.awaitUpstream("/slow");
        open(sc.address());
        awaitOpen(sc, 2);
        assertThat(Rig.raw(sc.address(), get("/in-flight-refused"))).startsWith("HTTP/1.1 503 ");
        String slowResponse = readResponse(slow.getInputStream());
        assertThat(slowResponse).startsWith("HTTP/1.1 200 ").endsWith("hello GET plain.example /slow body=0\n");
        AccessLogEntry e = rig.awaitLog(l -> l.request().orElse("").endsWith("/slow") && l.responseCode() == 200);
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/in-flight-refused"));
    }

    @Test
    void aRefusedConnectionThatSendsNothingIsClosedAndLogged() throws Exception {
        Sidecar sc = sidecar(limits().withMaxConnections(1).withMaxConnectionsPerSource(0));
        open(sc.address());
        awaitOpen(sc, 1);
        Socket silent = open(sc.address());
        long start = System.nanoTime();
        assertThat(readToClose(silent)).isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5000);
        AccessLogEntry e = rig.awaitLog(l -> l.reason().startsWith("connection limit: the proxy holds its maximum of 1"));
        assertThat(e.responseCode()).isZero();
        assertThat(rejections(sc.adminAddress().orElseThrow(), "connections")).isEqualTo(1.0);
    }

    // ---- request rate ---------------------------------------------------------------------------------------------

    @Test
    void overTheRequestRateIs429WithTheExactAnswerAndNothingForwarded() throws Exception {
        Sidecar sc = sidecar(limits().withRequestRate(1, 2));
        Socket s = open(sc.address());
        assertThat(exchange(s, get("/rate-1"))).startsWith("HTTP/1.1 200 ");
        assertThat(exchange(s, get("/rate-2"))).startsWith("HTTP/1.1 200 ");
        String reason = "rate limit: 127.0.0.1 sent more than 1 requests/s (limit: request-rate, burst 2)";
        assertThat(exchange(s, get("/rate-3"))).isEqualTo(response(429, "Too Many Requests", reason));
        AccessLogEntry e = rig.awaitLog(l -> l.reason().equals(reason));
        assertThat(e.request()).contains("GET http://plain.example/rate-3");
        assertThat(e.responseCode()).isEqualTo(429);
        assertThat(rig.upstreamSaw).anyMatch(x -> x.contains("/rate-2")).noneMatch(x -> x.contains("/rate-3"));
        assertThat(rejections(sc.adminAddress().orElseThrow(), "request_rate")).isEqualTo(1.0);
    }

    @Test
    void aConnectCountsAgainstTheRate() throws Exception {
        Sidecar sc = sidecar(limits().withRequestRate(0.5, 1));
        Socket tunnel = open(sc.address());
        assertThat(exchange(tunnel, "CONNECT plain.example:443 HTTP/1.1\r\nHost: plain.example:443\r\n\r\n"))
                .startsWith("HTTP/1.1 200 ");
        String reason = "rate limit: 127.0.0.1 sent more than 0.5 requests/s (limit: request-rate, burst 1)";
        assertThat(Rig.raw(sc.address(), "CONNECT plain.example:443 HTTP/1.1\r\nHost: plain.example:443\r\n\r\n"))
                .isEqualTo(response(429, "Too Many Requests", reason));
        assertThat(Rig.raw(sc.address(), get("/after-connect"))).isEqualTo(response(429, "Too Many Requests", reason));
        assertThat(rig.log).filteredOn(l -> l.reason().equals(reason)).hasSize(2);
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/after-connect"));
    }

    // ---- the gateway: per address before TLS, per principal after mTLS, rate per principal -------------------------

    @Test
    void theGatewayClosesAnAddressOverItsLimitAtAcceptBeforeAnyTls() throws Exception {
        EgressGateway gw = gateway(Limits.DEFAULTS.withMaxConnectionsPerSource(2));
        InetSocketAddress port80 = gw.listeners().get(80);
        SSLSocket first = mtls(port80, "sleep");
        SSLSocket second = mtls(port80, "sleep");
        Socket third = open(port80);
        assertThat(readToClose(third)).isEmpty();
        String reason = "connection limit: 127.0.0.1 already has 2 open connections (limit: max-connections-per-source)";
        AccessLogEntry e = rig.awaitLog(l -> l.proxy().startsWith("gateway") && l.reason().equals(reason));
        assertThat(e.protocol()).isEqualTo("tcp");
        assertThat(e.destinationPort()).isEqualTo(80);
        assertThat(exchange(first, googleGet("/gw-address-1"))).startsWith("HTTP/1.1 200 ");
        assertThat(exchange(second, googleGet("/gw-address-2"))).startsWith("HTTP/1.1 200 ");
        assertThat(rejections(gw.adminAddress().orElseThrow(), "connections_per_source")).isEqualTo(1.0);
    }

    @Test
    void theGatewayAnswers429ToAPrincipalOverItsLimitAfterMtls() throws Exception {
        EgressGateway gw = gateway(limits().withMaxConnectionsPerPrincipal(1));
        InetSocketAddress port80 = gw.listeners().get(80);
        SSLSocket first = mtls(port80, "sleep");
        assertThat(exchange(first, googleGet("/gw-principal-1"))).startsWith("HTTP/1.1 200 ");
        SSLSocket second = mtls(port80, "sleep");
        String reason = "connection limit: cluster.local/ns/default/sa/sleep already has 1 open connections"
                + " (limit: max-connections-per-principal)";
        assertThat(exchange(second, googleGet("/gw-principal-refused")))
                .isEqualTo(response(429, "Too Many Requests", reason));
        // another principal is not affected, nor is the first connection
        SSLSocket other = mtls(port80, "curl");
        assertThat(exchange(other, googleGet("/gw-principal-other"))).startsWith("HTTP/1.1 200 ");
        assertThat(exchange(first, googleGet("/gw-principal-2"))).startsWith("HTTP/1.1 200 ");
        AccessLogEntry e = rig.awaitLog(l -> l.reason().equals(reason));
        assertThat(e.sourcePrincipal()).contains("cluster.local/ns/default/sa/sleep");
        assertThat(e.responseCode()).isEqualTo(429);
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/gw-principal-refused"));
        assertThat(rejections(gw.adminAddress().orElseThrow(), "connections_per_principal")).isEqualTo(1.0);
    }

    @Test
    void theGatewayRateLimitsPerPrincipalAndTheSidecarRelaysThe429() throws Exception {
        EgressGateway gw = gateway(limits().withRequestRate(0.5, 1));
        Sidecar sc = rig.startSidecar(Rig.DEFAULT_SLEEP);
        HttpClient client = rig.client(sc);
        assertThat(Rig.get(client, "http://developers.google.com/gw-rate-1").statusCode()).isEqualTo(200);
        HttpResponse<String> limited = Rig.get(client, "http://developers.google.com/gw-rate-2");
        String reason = "rate limit: cluster.local/ns/default/sa/sleep sent more than 0.5 requests/s"
                + " (limit: request-rate, burst 1)";
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.body()).isEqualTo(reason + "\n");
        AccessLogEntry e = rig.awaitLog(l -> l.proxy().startsWith("gateway") && l.reason().equals(reason));
        assertThat(e.request()).hasValueSatisfying(r -> assertThat(r).endsWith("/gw-rate-2"));
        assertThat(rig.upstreamSaw).anyMatch(x -> x.contains("/gw-rate-1")).noneMatch(x -> x.contains("/gw-rate-2"));
        assertThat(rejections(gw.adminAddress().orElseThrow(), "request_rate")).isEqualTo(1.0);
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private Socket open(InetSocketAddress to) throws IOException {
        Socket s = new Socket(to.getAddress(), to.getPort());
        s.setSoTimeout(10_000);
        sockets.add(s);
        return s;
    }

    /** An mTLS connection to a gateway port as {@code default/<sa>}, SNI developers.google.com, handshake done. */
    private SSLSocket mtls(InetSocketAddress to, String serviceAccount) throws IOException {
        SSLSocket s = (SSLSocket) rig.mesh.sslContext(rig.mesh.workload(Rig.TD, "default", serviceAccount))
                .getSocketFactory().createSocket(to.getAddress(), to.getPort());
        sockets.add(s);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(Rig.GOOGLE)));
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    /** The first flight of a mesh client's TLS handshake, SNI developers.google.com. */
    private static byte[] clientHello() throws IOException {
        javax.net.ssl.SSLEngine engine = rig.mesh.sslContext(rig.mesh.workload(Rig.TD, "default", "sleep"))
                .createSSLEngine(Rig.GOOGLE, 443);
        engine.setUseClientMode(true);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(java.nio.ByteBuffer.allocate(0), out);
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        assertThat(b.length).isGreaterThan(100);
        return b;
    }

    private static String get(String path) {
        return "GET http://plain.example" + path + " HTTP/1.1\r\nHost: plain.example\r\n\r\n";
    }

    private static String getClose(String path) {
        return "GET http://plain.example" + path + " HTTP/1.1\r\nHost: plain.example\r\nConnection: close\r\n\r\n";
    }

    private static String googleGet(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n";
    }

    /** A proxy's local answer, byte for byte. */
    private static String response(int code, String phrase, String body) {
        return "HTTP/1.1 " + code + " " + phrase + "\r\ncontent-type: text/plain\r\ncontent-length: "
                + (body.length() + 1) + "\r\nconnection: close\r\n\r\n" + body + "\n";
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends one request and reads one response (framed by Content-Length). */
    private static String exchange(Socket s, String request) throws IOException {
        s.getOutputStream().write(ascii(request));
        s.getOutputStream().flush();
        return readResponse(s.getInputStream());
    }

    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");

    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
            }
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        Matcher m = LENGTH.matcher(h);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private static String readToClose(Socket s) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] b = new byte[4096];
        try {
            int n;
            while ((n = s.getInputStream().read(b)) > 0) {
                got.write(b, 0, n);
            }
        } catch (SocketException e) {
            // a reset after the close: what was read counts
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    private static HttpResponse<String> adminGet(HttpClient c, InetSocketAddress admin, String path)
            throws IOException, InterruptedException {
        return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code tollgate_limit_rejections_total{limit=...}} from the admin port. */
    private static double rejections(InetSocketAddress admin, String limit) throws Exception {
        String metrics = adminGet(HttpClient.newHttpClient(), admin, "/metrics").body();
        Matcher m = Pattern.compile("(?m)^tollgate_limit_rejections_total\\{[^}]*limit=\"" + limit
                + "\"[^}]*} ([0-9.E]+)$").matcher(metrics);
        assertThat(m.find()).as("series for limit=%s in\n%s", limit, metrics).isTrue();
        return Double.parseDouble(m.group(1).toUpperCase(Locale.ROOT));
    }

    /** Waits until the proxy counts {@code n} open client connections (accepts are asynchronous). */
    private static void awaitOpen(Sidecar sc, int n) throws Exception {
        await(x -> {
            try {
                String metrics = adminGet(HttpClient.newHttpClient(), sc.adminAddress().orElseThrow(), "/metrics")
                        .body();
                return metrics.contains("tollgate_connections_active{proxy=\"sidecar\",workload=\"default/sleep\"} "
                        + n + ".0");
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static void await(Predicate<Void> condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            if (condition.test(null)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("condition not met within 10 s");
    }
}
