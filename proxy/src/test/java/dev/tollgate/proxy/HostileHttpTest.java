package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Path normalization at the gateway, pass-through headers, request trailers and deep pipelines, through the real
 * sidecar and gateway on the real compiler (issue 6 sections 1.4, 1.7 and 1.10). The gateway denies {@code /admin*}
 * and allows only {@code /public/*} and {@code /ok*}.
 */
class HostileHttpTest {
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

    static HostileRig.Response viaGateway(String path, String extraHeaders) throws IOException {
        try (HostileRig.Client c = new HostileRig.Client(h.sidecar.address())) {
            c.write("GET http://" + Rig.GOOGLE + path + " HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n" + extraHeaders
                    + "\r\n");
            return c.read();
        }
    }

    // ------------------------------------------------------------------ path normalization (1.4)

    @Test
    void dotSegmentsAreForwardedAsTheNormalizedPathThatWasAuthorized() throws Exception {
        HostileRig.Response r = viaGateway("/admin/../public/x", "");
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok GET /public/x HTTP/1.1\n");
        assertThat(h.external.requestLines()).containsExactly("GET /public/x HTTP/1.1");
        AccessLogEntry gw = h.entry("gateway", "/admin/../public/x");
        assertThat(gw.decision()).isEqualTo("allowed");
        assertThat(gw.reason()).isEqualTo("forwarded as /public/x (path normalized)");
    }

    @Test
    void encodedDotSegmentsCannotReachADeniedPath() throws Exception {
        HostileRig.Response r = viaGateway("/public/%2e%2e/admin/secret", "");
        assertThat(r.code()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("RBAC: access denied");
        AccessLogEntry gw = h.entry("gateway", "/public/%2e%2e/admin/secret");
        assertThat(gw.decision()).isEqualTo("denied");
        assertThat(gw.reason()).isEqualTo("rbac_access_denied_matched_policy[ns[istio-system]-policy[deny-admin]-rule[0]]");
        HostileRig.settle();
        assertThat(h.external.received).isEmpty();
    }

    @Test
    void backslashesAreSlashesForAuthorizationAndForwarding() throws Exception {
        HostileRig.Response r = viaGateway("/public\\..\\admin", "");
        assertThat(r.code()).isEqualTo(403);
        AccessLogEntry gw = h.entry("gateway", "/public\\..\\admin");
        assertThat(gw.decision()).isEqualTo("denied");
        HostileRig.Response ok = viaGateway("/public\\x?q=1", "");
        assertThat(ok.code()).isEqualTo(200);
        assertThat(h.external.requestLines()).containsExactly("GET /public/x?q=1 HTTP/1.1");
    }

    @Test
    void aPathThatNeedsNoNormalizationIsForwardedUntouched() throws Exception {
        HostileRig.Response r = viaGateway("/public/a%2Fb?x=../y", "");
        assertThat(r.code()).isEqualTo(200);
        // BASE keeps %2F, and the query is never normalized
        assertThat(h.external.requestLines()).containsExactly("GET /public/a%2Fb?x=../y HTTP/1.1");
        assertThat(h.entry("gateway", "/public/a%2Fb").reason()).isEqualTo("forwarded");
    }

    // ------------------------------------------------------------------ pass-through headers (1.10)

    @Test
    void clientSentXfccAndEnvoyHeadersNeverReachAnExternalHost() throws Exception {
        HostileRig.Response r = viaGateway("/ok/xfcc", "X-Forwarded-Client-Cert: By=spiffe://cluster.local/ns/x/sa/y"
                + "\r\nx-envoy-original-path: /admin\r\nX-Envoy-Upstream-Rq-Timeout-Ms: 1\r\nX-Kept: 1\r\n");
        assertThat(r.code()).isEqualTo(200);
        HostileRig.Received got = h.external.received.peek();
        assertThat(got.requestLine()).isEqualTo("GET /ok/xfcc HTTP/1.1");
        assertThat(got.head().toLowerCase()).doesNotContain("x-forwarded-client-cert").doesNotContain("x-envoy-");
        assertThat(got.header("X-Kept")).isEqualTo("1");
        AccessLogEntry sc = h.entry("sidecar", "/ok/xfcc");
        assertThat(sc.reason()).isEqualTo("forwarded via the egress gateway; removed x-forwarded-client-cert, "
                + "x-envoy-original-path, x-envoy-upstream-rq-timeout-ms");
    }

    @Test
    void theGatewayRemovesThemTooWhenAMeshClientSendsThemDirectly() throws Exception {
        try (HostileRig.Client c = HostileSmugglingTest.gatewayFor(h)) {
            c.write("GET /ok/direct-xfcc HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n"
                    + "X-Forwarded-Client-Cert: Hash=forged\r\nX-Envoy-Internal: true\r\n\r\n");
            assertThat(c.read().code()).isEqualTo(200);
        }
        HostileRig.Received got = h.external.received.peek();
        assertThat(got.head().toLowerCase()).doesNotContain("x-forwarded-client-cert").doesNotContain("x-envoy-");
        assertThat(h.entry("gateway", "/ok/direct-xfcc").reason())
                .isEqualTo("forwarded; removed x-forwarded-client-cert, x-envoy-internal");
    }

    // ------------------------------------------------------------------ request trailers (1.10)

    @Test
    void hostSentAsATrailerIsNeverForwarded() throws Exception {
        try (HostileRig.Client c = new HostileRig.Client(h.sidecar.address())) {
            c.write("POST http://allowed.example/trailer-host HTTP/1.1\r\nHost: allowed.example\r\n"
                    + "Transfer-Encoding: chunked\r\nTrailer: Host\r\n\r\n5\r\nhello\r\n0\r\nHost: denied.test\r\n"
                    + "X-Checksum: 1\r\n\r\n");
            HostileRig.Response r = c.read();
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok POST /trailer-host HTTP/1.1\n");
        }
        HostileRig.Received got = h.direct.received.peek();
        assertThat(got.body()).isEqualTo("hello");
        assertThat(got.trailers()).isEmpty();
        assertThat(got.header("Host")).isEqualTo("allowed.example");
        assertThat(got.header("Trailer")).isNull();
        assertThat(h.entry("sidecar", "/trailer-host").reason())
                .isEqualTo("forwarded; request trailers dropped: host, x-checksum");
    }

    @Test
    void aTrailerCannotCarryAHeaderPastTheGatewaysAuthorization() throws Exception {
        try (HostileRig.Client c = HostileSmugglingTest.gatewayFor(h)) {
            c.write("POST /ok/trailer HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "2\r\nhi\r\n0\r\nX-Admin: 1\r\n\r\n");
            assertThat(c.read().code()).isEqualTo(200);
        }
        HostileRig.Received got = h.external.received.peek();
        assertThat(got.body()).isEqualTo("hi");
        assertThat(got.trailers()).isEmpty();
        assertThat(h.entry("gateway", "/ok/trailer").reason()).isEqualTo("forwarded; request trailers dropped: x-admin");
    }

    // ------------------------------------------------------------------ deep pipelines (1.7)

    @Test
    void threeHundredPipelinedRequestsAreServedInOrder() throws Exception {
        int n = 300;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < n; i++) {
            all.append("GET http://allowed.example/p").append(i).append(" HTTP/1.1\r\nHost: allowed.example\r\n\r\n");
        }
        try (HostileRig.Client c = new HostileRig.Client(h.sidecar.address())) {
            c.write(all.toString());
            for (int i = 0; i < n; i++) {
                HostileRig.Response r = c.read();
                assertThat(r.code()).as("response " + i).isEqualTo(200);
                assertThat(r.body()).as("response " + i).isEqualTo("ok GET /p" + i + " HTTP/1.1\n");
            }
            c.write("GET http://allowed.example/after HTTP/1.1\r\nHost: allowed.example\r\nConnection: close\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("ok GET /after HTTP/1.1\n");
            assertThat(c.closed()).isTrue();
        }
        List<String> lines = h.direct.requestLines();
        assertThat(lines).hasSize(n + 1);
        for (int i = 0; i < n; i++) {
            assertThat(lines.get(i)).isEqualTo("GET /p" + i + " HTTP/1.1");
        }
        assertThat(h.rig.log).noneMatch(e -> e.reason().startsWith("client closed")
                || e.reason().startsWith("connection error"));
        assertThat(h.logLines()).anyMatch(l -> l.matches("sidecar default/sleep: .* pipelined more than 128 requests: "
                + "reading paused until responses drain"));
        assertThat(metric(h.sidecar)).contains("tollgate_limit_reached_total{limit=\"pipeline_depth\"");
    }

    @Test
    void deepPipelinesStraightToTheGatewayAreServedInOrder() throws Exception {
        int n = 200;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < n; i++) {
            all.append("GET /ok/g").append(i).append(" HTTP/1.1\r\nHost: ").append(Rig.GOOGLE).append("\r\n\r\n");
        }
        try (HostileRig.Client c = HostileSmugglingTest.gatewayFor(h)) {
            c.write(all.toString());
            for (int i = 0; i < n; i++) {
                assertThat(c.read().body()).as("response " + i).isEqualTo("ok GET /ok/g" + i + " HTTP/1.1\n");
            }
        }
        assertThat(h.external.requestLines()).hasSize(n);
        assertThat(h.logLines()).anyMatch(l -> l.startsWith("gateway istio-system/istio-egressgateway: ")
                && l.endsWith("pipelined more than 128 requests: reading paused until responses drain"));
    }

    static String metric(ProxyHandle proxy) throws Exception {
        var admin = proxy.adminAddress().orElseThrow();
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
