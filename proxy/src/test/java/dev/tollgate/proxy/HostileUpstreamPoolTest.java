package dev.tollgate.proxy;

import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.UpstreamTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream connection reuse (issue 6 section 4) through the real sidecar and gateway: connections are reused across
 * requests and clients, never across TLS settings, and an origin that closes an idle connection (at rest, or just as
 * it is reused) costs a GET nothing visible while a POST is never sent twice. Responses never cross between clients,
 * also when an upstream sends a response to no request.
 */
class HostileUpstreamPoolTest {
    static Rig rig;
    static Sidecar sidecar;
    static RawUpstream reuse;
    static RawUpstream idleCloser;
    static RawUpstream stale;
    static RawUpstream tls;
    static RawUpstream origination;
    static final ConcurrentLinkedQueue<String> staleSaw = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        reuse = new RawUpstream(Optional.empty(), HostileUpstreamPoolTest::echo);
        // an origin whose keep-alive timeout (150 ms) is far shorter than the proxy's (4 s)
        idleCloser = new RawUpstream(Optional.empty(), HostileUpstreamPoolTest::echo, 150);
        stale = new RawUpstream(Optional.empty(), HostileUpstreamPoolTest::closesReusedConnections);
        tls = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server("a.example", "b.example"))),
                HostileUpstreamPoolTest::echo);
        origination = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server(Rig.GOOGLE))),
                HostileUpstreamPoolTest::echo);
        rig.gatewayUpstreamPort = origination.port();
        rig.snapshot.set(new FakeSnapshot(HostileUpstreamPoolTest::outbound, Rig.LISTENERS, Rig::gatewayDecision));
        rig.startGateway();
        rig.sidecarHosts.add("reuse.example::127.0.0.1:" + reuse.port());
        rig.sidecarHosts.add("idle.example::127.0.0.1:" + idleCloser.port());
        // one host per test and client: each starts without pooled connections of another
        for (String h : List.of("stale.example", "stale-post.example", "stale-post0.example")) {
            rig.sidecarHosts.add(h + "::127.0.0.1:" + stale.port());
        }
        rig.sidecarHosts.add("tls.raw:443:127.0.0.1:" + tls.port());
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP);
    }

    @AfterAll
    static void stop() throws Exception {
        for (RawUpstream u : List.of(reuse, idleCloser, stale, tls, origination)) {
            u.close();
        }
        rig.close();
    }

    /**
     * a.example and b.example go to the same upstream host, port and address with TLS origination, differing only in
     * SNI; c.example has a.example's SNI but also subjectAltNames: three TLS settings, three keys.
     */
    static OutboundDecision outbound(dev.tollgate.core.model.WorkloadRef from,
                                     dev.tollgate.core.snapshot.OutboundRequest r) {
        return switch (r.host()) {
            case "a.example", "b.example" -> Rig.direct("tls.raw", 443,
                    new UpstreamTls(TlsMode.SIMPLE, Optional.of(r.host()), List.of(), Optional.empty()));
            case "c.example" -> Rig.direct("tls.raw", 443,
                    new UpstreamTls(TlsMode.SIMPLE, Optional.of("a.example"), List.of("a.example"), Optional.empty()));
            default -> Rig.outbound(from, r);
        };
    }

    /** Answers 200 naming the path, the connection (number and SNI) and the Host; /stray adds a response to nothing. */
    static boolean echo(String head, InputStream in, OutputStream out) throws IOException {
        String path = head.split(" ", 3)[1];
        RawUpstream.Connection c = RawUpstream.connection();
        String body = "path=" + path + " conn=" + c.number() + " sni=" + c.sni().orElse(null) + " host="
                + HostileRig.header(head, "Host");
        String response = "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        if (path.equals("/stray")) {
            // in the same segment: a second response that answers no request
            response += "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nSTRAY";
        }
        RawUpstream.write(out, response);
        return true;
    }

    /** Serves the first request of a connection; reads any later one and closes without a byte of answer. */
    static boolean closesReusedConnections(String head, InputStream in, OutputStream out) throws IOException {
        staleSaw.add(head.split("\r\n", 2)[0]);
        if (RawUpstream.connection().request() > 1) {
            throw new RawUpstream.Abrupt();
        }
        return echo(head, in, out);
    }

    static String get(String host, String path) {
        return "GET http://" + host + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    }

    static HostileRig.Client client() throws IOException {
        return new HostileRig.Client(sidecar.address());
    }

    @Test
    void connectionsAreReusedAcrossRequestsAndClients() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (HostileRig.Client c = client()) {
                HostileRig.Response r = c.write(get("reuse.example", "/one-" + i)).read();
                assertThat(r.code()).isEqualTo(200);
                assertThat(r.body()).startsWith("path=/one-" + i + " ");
            }
        }
        try (HostileRig.Client c = client()) {
            for (int i = 0; i < 20; i++) {
                HostileRig.Response r = c.write(get("reuse.example", "/kept-" + i)).read();
                assertThat(r.body()).startsWith("path=/kept-" + i + " ");
            }
        }
        // 40 requests from 21 client connections: at most one upstream connection per event loop (2)
        assertThat(reuse.accepted()).isBetween(1, 2);
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/kept-19"));
        assertThat(e.upstreamAddress()).hasValue("127.0.0.1:" + reuse.port());
        assertThat(e.reason()).doesNotContain("retried");
    }

    @Test
    void anOriginClosingIdleConnectionsCostsGetsNothing() throws Exception {
        for (int i = 0; i < 4; i++) {
            try (HostileRig.Client c = client()) {
                HostileRig.Response r = c.write(get("idle.example", "/idle-" + i)).read();
                assertThat(r.code()).as("request %d", i).isEqualTo(200);
            }
            // longer than the origin's keep-alive: the pooled connection is closed by the origin meanwhile
            Thread.sleep(400);
        }
        assertThat(idleCloser.accepted()).as("the origin really closed them").isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            int n = i;
            AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/idle-" + n));
            assertThat(e.decision()).isEqualTo("allowed");
            assertThat(e.reason()).doesNotContain("retried");
        }
    }

    @Test
    void aGetOnAConnectionClosedAsItIsReusedIsSentOnceMoreOnANewOne() throws Exception {
        double before = retries();
        try (HostileRig.Client c = client()) {
            assertThat(c.write(get("stale.example", "/warm-get")).read().code()).isEqualTo(200);
            HostileRig.Response r = c.write(get("stale.example", "/stale-get")).read();
            assertThat(r.code()).isEqualTo(200);
            // answered on a new connection, after the reused one was closed without an answer
            assertThat(r.body()).startsWith("path=/stale-get ").doesNotContain("conn=1 ");
        }
        assertThat(staleSaw).filteredOn(l -> l.contains("/stale-get")).hasSize(2);
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/stale-get"));
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.responseCode()).isEqualTo(200);
        assertThat(e.reason()).contains("retried on a new connection: upstream closed the reused connection");
        assertThat(retries()).isEqualTo(before + 1);
    }

    @Test
    void aPostOnAConnectionClosedAsItIsReusedIsNeverSentTwice() throws Exception {
        double before = retries();
        try (HostileRig.Client c = client()) {
            assertThat(c.write(get("stale-post.example", "/warm-post")).read().code()).isEqualTo(200);
            HostileRig.Response r = c.write("POST http://stale-post.example/stale-post HTTP/1.1\r\n"
                    + "Host: stale-post.example\r\n"
                    + "Content-Length: 9\r\n\r\npay=once!").read();
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.body()).contains("upstream closed the reused connection before responding")
                    .contains("not retried");
        }
        try (HostileRig.Client c = client()) {
            assertThat(c.write(get("stale-post0.example", "/warm-post0")).read().code()).isEqualTo(200);
            HostileRig.Response r = c.write("POST http://stale-post0.example/stale-post0 HTTP/1.1\r\n"
                    + "Host: stale-post0.example\r\n"
                    + "Content-Length: 0\r\n\r\n").read();
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.body()).contains("not retried: POST is not idempotent");
        }
        HostileRig.settle();
        assertThat(staleSaw).filteredOn(l -> l.contains("/stale-post ")).hasSize(1);
        assertThat(staleSaw).filteredOn(l -> l.contains("/stale-post0 ")).hasSize(1);
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").endsWith("/stale-post"));
        assertThat(e.decision()).isEqualTo("error");
        assertThat(e.responseCode()).isEqualTo(503);
        assertThat(e.reason()).contains("not retried");
        assertThat(retries()).isEqualTo(before);
    }

    @Test
    void connectionsAreNeverSharedAcrossTlsSettings() throws Exception {
        List<String> bodies = new ArrayList<>();
        try (HostileRig.Client c = client()) {
            for (int i = 0; i < 6; i++) {
                for (String host : List.of("a.example", "b.example", "c.example")) {
                    HostileRig.Response r = c.write(get(host, "/tls-" + i)).read();
                    assertThat(r.code()).isEqualTo(200);
                    bodies.add(host + " " + r.body());
                }
            }
        }
        Set<String> connsA = new HashSet<>();
        Set<String> connsC = new HashSet<>();
        for (String b : bodies) {
            String host = b.substring(0, b.indexOf(' '));
            String conn = b.replaceAll(".* conn=(\\d+) .*", "$1");
            String sni = b.replaceAll(".* sni=(\\S+) .*", "$1");
            assertThat(sni).as(b).isEqualTo(host.equals("c.example") ? "a.example" : host);
            (host.equals("a.example") ? connsA : host.equals("c.example") ? connsC : new HashSet<String>()).add(conn);
        }
        // same SNI, different subjectAltNames: still separate connections
        assertThat(connsA).doesNotContainAnyElementsOf(connsC);
        // 18 requests on one event loop: one connection per TLS setting
        assertThat(tls.accepted()).isEqualTo(3);
    }

    @Test
    void responsesNeverCrossBetweenClientsEvenWithStrayResponses() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    try (HostileRig.Client c = client()) {
                        for (int i = 0; i < 25; i++) {
                            String path = i % 5 == 4 ? "/stray" : "/x-" + thread + "-" + i;
                            HostileRig.Response r = c.write(get("reuse.example", path)).read();
                            if (r.code() != 200 || !r.body().startsWith("path=" + path + " ")) {
                                wrong.add(path + " got " + r.code() + " " + r.body());
                            }
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<List<String>> f : results) {
                assertThat(f.get()).as("responses that answered another request").isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theGatewayReusesItsTlsOriginationAndTheSidecarItsMeshConnections() throws Exception {
        try (HostileRig.Client c = client()) {
            for (int i = 0; i < 15; i++) {
                HostileRig.Response r = c.write(get(Rig.GOOGLE, "/gw-" + i)).read();
                assertThat(r.code()).isEqualTo(200);
                assertThat(r.body()).startsWith("path=/gw-" + i + " ").contains("sni=" + Rig.GOOGLE);
            }
        }
        for (int i = 0; i < 5; i++) {
            try (HostileRig.Client c = client()) {
                assertThat(c.write(get(Rig.GOOGLE, "/gw-new-" + i)).read().code()).isEqualTo(200);
            }
        }
        // 20 requests: one TLS origination per gateway event loop at most, instead of one per request
        assertThat(origination.accepted()).isBetween(1, 2);
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway")
                && x.request().orElse("").contains("/gw-new-4"));
        assertThat(e.responseCode()).isEqualTo(200);
    }

    static double retries() throws IOException {
        InetSocketAddress admin = sidecar.adminAddress().orElseThrow();
        String metrics = Rig.raw(admin, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        for (String line : metrics.split("\n")) {
            if (line.startsWith("tollgate_upstream_retries_total{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
            }
        }
        throw new AssertionError("no tollgate_upstream_retries_total in\n" + metrics);
    }
}
