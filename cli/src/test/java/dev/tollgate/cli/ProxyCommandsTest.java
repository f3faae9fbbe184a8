package dev.tollgate.cli;

import dev.tollgate.cli.demo.StandInHost;
import dev.tollgate.identity.MeshCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate sidecar} and {@code tollgate gateway} as users run them: real files in a temp dir, a CA from
 * {@code tollgate ca init}, the commands started through picocli in this JVM (stopped by interrupting their
 * thread, which drains as SIGTERM does), real curl through them to a local stand-in for developers.google.com.
 */
class ProxyCommandsTest {
    static final String GOOGLE = "developers.google.com";
    static final String GW_HOST = "istio-egressgateway.istio-system.svc.cluster.local";

    @TempDir
    static Path tmp;
    static Path meshCa;
    static Path publicRoot;
    static MeshCa publicCa;
    static StandInHost google;

    @BeforeAll
    static void start() throws Exception {
        meshCa = tmp.resolve("ca");
        StringWriter err = new StringWriter();
        CommandLine ca = Main.commandLine();
        ca.setErr(new PrintWriter(err, true));
        ca.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(ca.execute("ca", "init", "--dir", meshCa.toString())).as(err.toString()).isZero();
        publicCa = MeshCa.init(tmp.resolve("public-ca"), "public.example");
        publicRoot = tmp.resolve("public-ca").resolve(MeshCa.CERT_FILE);
        google = StandInHost.start(GOOGLE, publicCa.issueServer(List.of(GOOGLE), Duration.ofHours(1)));
    }

    @AfterAll
    static void stop() {
        google.close();
    }

    /** A file of examples/tutorial, or of another examples folder when {@code name} has one ("mesh/allow-any.yaml"). */
    static Path example(String name) {
        return Path.of("..", "examples").resolve(name.contains("/") ? name : "tutorial/" + name);
    }

    static Path folder(String name, String... examples) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String e : examples) {
            Files.copy(example(e), dir.resolve(Path.of(e).getFileName()));
        }
        return dir;
    }

    @Test
    void sidecarAllowAnyPassesDirectHttps() throws Exception {
        Path cfg = folder("allow-any", "mesh/allow-any.yaml");
        try (Running sidecar = sidecar(cfg)) {
            Curl r = curl(sidecar.port, "https://" + GOOGLE + "/direct");
            assertThat(r.code()).as(r.toString()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(google.body());
            assertThat(sidecar.err()).contains("tollgate sidecar default/sleep: listening on");
        }
    }

    @Test
    void sidecarRegistryOnlyRefusesWith502AndTheReason() throws Exception {
        Path cfg = folder("registry-only", "mesh/registry-only.yaml");
        long before = google.requests();
        try (Running sidecar = sidecar(cfg)) {
            Curl r = curl(sidecar.port, "http://" + GOOGLE + "/refused");
            assertThat(r.code()).as(r.toString()).isEqualTo(502);
            assertThat(r.body()).startsWith("REGISTRY_ONLY").contains(GOOGLE + ":80");
            Curl tunnel = curl(sidecar.port, "https://" + GOOGLE + "/refused");
            assertThat(tunnel.exit()).as("curl: CONNECT tunnel failed, response 502").isEqualTo(56);
            assertThat(tunnel.stderr()).contains("502");
        }
        assertThat(google.requests()).isEqualTo(before);
    }

    @Test
    void gatewayServesTutorialB1ThenFollowsReloadsAndKeepsTheLastGoodConfiguration() throws Exception {
        Path cfg = folder("b1", "external-google.yaml", "mesh/registry-only.yaml");
        int serverPort80 = freePort();
        try (Running gateway = start("gateway", "-f", "istio-system=" + cfg,
                "--bind", "127.0.0.1", "--port-offset", Integer.toString(serverPort80 - 80),
                "--connect-to", GOOGLE + ":443:127.0.0.1:" + google.httpsAddress().getPort(),
                "--ca-dir", meshCa.toString(), "--ca-bundle", publicRoot.toString(),
                "--admin", "127.0.0.1:0", "--watch-interval", "1s", "--drain-timeout", "1s");
             Running sidecar = start("sidecar", "--namespace", "default", "--service-account", "sleep",
                     "--labels", "app=sleep", "-f", "istio-system=" + cfg, "--listen", "127.0.0.1:0",
                     "--connect-to", GW_HOST + ":80:127.0.0.1:" + serverPort80,
                     "--ca-dir", meshCa.toString(), "--admin", "127.0.0.1:0", "--watch-interval", "1s",
                     "--drain-timeout", "1s")) {
            assertThat(gateway.err()).contains("tollgate gateway istio-system/istio-egressgateway: listening on");

            Curl ok = curl(sidecar.port, "http://" + GOOGLE + "/b1");
            assertThat(ok.code()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(google.body());

            // B2: ALLOW nothing in the root namespace applies to the gateway too
            Files.copy(example("authz-allow-nothing.yaml"), cfg.resolve("authz-allow-nothing.yaml"));
            Curl denied = until(() -> curl(sidecar.port, "http://" + GOOGLE + "/b2"), c -> c.code() == 403);
            assertThat(denied.body()).isEqualTo("RBAC: access denied");

            // a broken edit that also removes the policy: if it applied, requests would pass again
            String failures = "tollgate_config_reload_failures_total";
            double failed = metric(gateway.admin, failures);
            Files.delete(cfg.resolve("authz-allow-nothing.yaml"));
            Files.writeString(cfg.resolve("broken.yaml"), "kind: VirtualService\nmetadata: {name: [\n");
            until(() -> metric(gateway.admin, failures), v -> v > failed);
            Curl kept = curl(sidecar.port, "http://" + GOOGLE + "/b2-kept");
            assertThat(kept.code()).as("the last good configuration still denies").isEqualTo(403);

            HttpResponse<String> ready = admin(gateway.admin, "/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            String metrics = admin(gateway.admin, "/metrics").body();
            assertThat(metrics).contains("tollgate_requests_total{").contains("decision=\"denied\"")
                    .contains("workload=\"istio-system/istio-egressgateway\"").contains("code=\"403\"")
                    .contains("tollgate_certificate_expiry_timestamp_seconds{")
                    .contains("tollgate_certificate_renewals_total{")
                    .contains("tollgate_certificate_renewal_failures_total{");
            assertThat(admin(sidecar.admin, "/ready").statusCode()).isEqualTo(200);
            assertThat(admin(sidecar.admin, "/metrics").body()).contains("workload=\"default/sleep\"");
        }
    }

    /**
     * TLS passthrough with the Gateway API (Passthrough listener, TLSRoutes on both sides, as Istio's egress task
     * writes it): curl's own TLS goes through the sidecar and the gateway untouched to the host, verified against the
     * host's CA, which neither proxy holds.
     */
    @Test
    void gatewayApiTlsRoutesPassCurlsTlsThroughTheGateway() throws Exception {
        Path cfg = Files.createDirectories(tmp.resolve("passthrough-gateway-api"));
        Files.copy(Path.of("..", "examples", "tutorial-gateway-api", "passthrough-google.yaml"),
                cfg.resolve("passthrough-google.yaml"));
        Files.copy(example("mesh/registry-only.yaml"), cfg.resolve("registry-only.yaml"));
        int serverPort443 = freePort();
        try (Running gateway = start("gateway", "-f", "istio-system=" + cfg, "--namespace", "istio-system",
                "--gateway-name", "google-egress-gateway",
                "--bind", "127.0.0.1", "--port-offset", Integer.toString(serverPort443 - 443),
                "--connect-to", GOOGLE + ":443:127.0.0.1:" + google.httpsAddress().getPort(),
                "--ca-dir", meshCa.toString(), "--drain-timeout", "1s");
             Running sidecar = start("sidecar", "--namespace", "default", "--service-account", "sleep",
                     "--labels", "app=sleep", "-f", "istio-system=" + cfg, "--listen", "127.0.0.1:0",
                     "--connect-to", "google-egress-gateway-istio.istio-system.svc.cluster.local:443:127.0.0.1:"
                             + serverPort443,
                     "--ca-dir", meshCa.toString(), "--drain-timeout", "1s")) {
            Curl ok = curl(sidecar.port, "https://" + GOOGLE + "/passthrough");
            assertThat(ok.code()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(google.body());
            // hostile: a host the ServiceEntry does not declare is refused by the sidecar (REGISTRY_ONLY)
            Curl other = curl(sidecar.port, "https://elsewhere.example/");
            assertThat(other.exit()).as(other.toString()).isNotZero();
        }
    }

    /**
     * Part B1 written with the Gateway API (examples/tutorial-gateway-api): the sidecar follows the HTTPRoute whose
     * parentRef is the ServiceEntry to the Service Istio makes for the Gateway (NAME-istio), with Istio mutual TLS;
     * the gateway, run as that deployment ({@code --gateway-name}), listens on the listener's port and follows the
     * HTTPRoute bound to the Gateway, originating TLS to the host. A DENY on the client's namespace then stops the
     * request at the gateway, before any upstream.
     */
    @Test
    void gatewayApiRoutesCarryTutorialB1ThroughTheGatewaysDeployment() throws Exception {
        Path cfg = Files.createDirectories(tmp.resolve("b1-gateway-api"));
        Files.copy(Path.of("..", "examples", "tutorial-gateway-api", "external-google.yaml"),
                cfg.resolve("external-google.yaml"));
        Files.copy(example("mesh/registry-only.yaml"), cfg.resolve("registry-only.yaml"));
        int serverPort80 = freePort();
        String gatewayService = "google-egress-gateway-istio.istio-system.svc.cluster.local";
        try (Running gateway = start("gateway", "-f", "istio-system=" + cfg, "--namespace", "istio-system",
                "--gateway-name", "google-egress-gateway",
                "--bind", "127.0.0.1", "--port-offset", Integer.toString(serverPort80 - 80),
                "--connect-to", GOOGLE + ":443:127.0.0.1:" + google.httpsAddress().getPort(),
                "--ca-dir", meshCa.toString(), "--ca-bundle", publicRoot.toString(),
                "--watch-interval", "1s", "--drain-timeout", "1s");
             Running sidecar = start("sidecar", "--namespace", "default", "--service-account", "sleep",
                     "--labels", "app=sleep", "-f", "istio-system=" + cfg, "--listen", "127.0.0.1:0",
                     "--connect-to", gatewayService + ":80:127.0.0.1:" + serverPort80,
                     "--ca-dir", meshCa.toString(), "--watch-interval", "1s", "--drain-timeout", "1s")) {
            assertThat(gateway.err()).contains("istio-system/google-egress-gateway-istio").contains("listening on");

            Curl ok = curl(sidecar.port, "http://" + GOOGLE + "/gateway-api");
            assertThat(ok.code()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(google.body());

            Files.writeString(cfg.resolve("deny-default.yaml"), """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: deny-default-to-google}
                    spec:
                      action: DENY
                      rules:
                      - from: [{source: {namespaces: ["default"]}}]
                        when: [{key: connection.sni, values: ["developers.google.com"]}]
                    """);
            // requests before the reload still pass; once one is denied, none reaches the host
            Curl denied = until(() -> curl(sidecar.port, "http://" + GOOGLE + "/denied"), c -> c.code() == 403);
            assertThat(denied.body()).isEqualTo("RBAC: access denied");
            long before = google.requests();
            Curl again = curl(sidecar.port, "http://" + GOOGLE + "/denied-again");
            assertThat(again.code()).isEqualTo(403);
            assertThat(google.requests()).as("a denied request never reaches the host").isEqualTo(before);
        }
    }

    /**
     * Istio's "Egress using Wildcard Hosts" task: one Gateway server {@code HTTPS} with {@code tls.mode: PASSTHROUGH}
     * for {@code *.wikipedia.org}. Istio's {@code gateway.IsHTTPServer} is false for it, so Envoy reads the SNI and
     * forwards by the {@code tls} routes without terminating; the gateway once refused to listen ("needs credentials
     * Tollgate does not load") while {@code check} allowed it. curl verifies the stand-in's certificate from the public
     * CA, which the gateway never holds: the request succeeding proves the TLS went through untouched.
     */
    @Test
    void gatewayPassesThroughAnHttpsPassthroughServerAsCheckSays() throws Exception {
        String wiki = "en.wikipedia.org";
        Path cfg = Files.createDirectories(tmp.resolve("wildcard"));
        Files.copy(Path.of("src", "test", "resources", "conformance", "istio-egress-wildcard-passthrough.yaml"),
                cfg.resolve("wildcard.yaml"));
        Files.copy(example("mesh/registry-only.yaml"), cfg.resolve("registry-only.yaml"));

        CliRun check = CliRun.of("check", "-f", "istio-system=" + cfg, "--from", "default/sleep", "-o", "json",
                "https://" + wiki + "/");
        assertThat(check.exitCode()).as(check.err() + check.out()).isZero();
        assertThat(check.out()).contains("\"outcome\" : \"allowed\"").contains("\"proxy\" : \"gateway");

        int serverPort443 = freePort();
        try (StandInHost wikipedia = StandInHost.start(wiki, publicCa.issueServer(List.of(wiki), Duration.ofHours(1)));
             Running gateway = start("gateway", "-f", "istio-system=" + cfg,
                     "--bind", "127.0.0.1", "--port-offset", Integer.toString(serverPort443 - 443),
                     // the task's tls route sends every *.wikipedia.org SNI to www.wikipedia.org
                     "--connect-to", "www.wikipedia.org:443:127.0.0.1:" + wikipedia.httpsAddress().getPort(),
                     "--ca-dir", meshCa.toString(), "--drain-timeout", "1s");
             Running sidecar = start("sidecar", "--namespace", "default", "--service-account", "sleep",
                     "--labels", "app=sleep", "-f", "istio-system=" + cfg, "--listen", "127.0.0.1:0",
                     "--connect-to", GW_HOST + ":443:127.0.0.1:" + serverPort443,
                     "--ca-dir", meshCa.toString(), "--drain-timeout", "1s")) {
            assertThat(gateway.err()).as("the gateway listens for server port 443").contains("listening on {443=");

            Curl ok = curl(sidecar.port, "https://" + wiki + "/passthrough");
            assertThat(ok.code()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(wikipedia.body());
            assertThat(wikipedia.requests()).isEqualTo(1);

            // hostile: straight at the gateway's port, an SNI outside *.wikipedia.org is refused before any upstream
            try (javax.net.ssl.SSLSocket raw = (javax.net.ssl.SSLSocket) trustingOnlyThePublicCa().getSocketFactory()
                    .createSocket("127.0.0.1", serverPort443)) {
                javax.net.ssl.SSLParameters params = raw.getSSLParameters();
                params.setServerNames(List.of(new javax.net.ssl.SNIHostName("evil.example.com")));
                raw.setSSLParameters(params);
                raw.setSoTimeout(10_000);
                org.assertj.core.api.Assertions.assertThatThrownBy(raw::startHandshake)
                        .isInstanceOf(IOException.class);
            }
            assertThat(wikipedia.requests()).isEqualTo(1);
        }
    }

    private static javax.net.ssl.SSLContext trustingOnlyThePublicCa() throws Exception {
        java.security.KeyStore roots = java.security.KeyStore.getInstance("PKCS12");
        roots.load(null, null);
        roots.setCertificateEntry("public", publicCa.rootCertificate());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(roots);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void interruptingTheCommandDrainsAndExitsZero() throws Exception {
        Path cfg = folder("stop", "mesh/allow-any.yaml");
        Running sidecar = sidecar(cfg);
        sidecar.close();
        assertThat(sidecar.exit.get()).isZero();
        assertThat(sidecar.err()).contains("tollgate: stopping").contains("tollgate: drained");
        try (ServerSocket again = new ServerSocket(sidecar.port, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThat(again.getLocalPort()).as("the listener was released").isEqualTo(sidecar.port);
        }
    }

    /**
     * {@code --capture}: a second listener on loopback beside --listen. A connection made to it directly was not
     * redirected by the kernel (no conntrack NAT entry, or the listener itself as the original destination): closed,
     * never forwarded. The lab proves the redirected path in network namespaces.
     */
    @Test
    void sidecarWithCaptureListensOnLoopbackAndClosesWhatNobodyRedirected() throws Exception {
        Path cfg = folder("capture", "mesh/allow-any.yaml");
        long before = google.requests();
        try (Running sidecar = start("sidecar", "--namespace", "default", "--service-account", "sleep", "-f",
                cfg.toString(), "--listen", "127.0.0.1:0", "--capture", "0",
                "--connect-to", GOOGLE + ":80:127.0.0.1:" + google.httpAddress().getPort(),
                "--ca-dir", meshCa.toString(), "--drain-timeout", "1s")) {
            Matcher m = Pattern.compile("capturing on /127\\.0\\.0\\.1:(\\d+)").matcher(sidecar.err());
            assertThat(m.find()).as(sidecar.err()).isTrue();
            int capture = Integer.parseInt(m.group(1));
            assertThat(capture).isNotEqualTo(sidecar.port);
            ProcessBuilder pb = new ProcessBuilder("curl", "-q", "-sS", "--max-time", "10", "--noproxy", "*",
                    "-H", "Host: " + GOOGLE, "http://127.0.0.1:" + capture + "/captured");
            Process p = pb.start();
            p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("curl: Empty reply from server / connection reset: " + err).isIn(52, 56);
            // the explicit listener still works beside it
            Curl r = curl(sidecar.port, "http://" + GOOGLE + "/explicit");
            assertThat(r.code()).as(r.toString()).isEqualTo(200);
        }
        assertThat(google.requests()).isEqualTo(before + 1);
    }

    @Test
    void captureOutOfRangeIsAUsageError() throws Exception {
        Path cfg = folder("capture-range", "mesh/allow-any.yaml");
        CliRun r = CliRun.of("sidecar", "--namespace", "default", "--service-account", "sleep", "-f", cfg.toString(),
                "--capture", "70000", "--ca-dir", meshCa.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("--capture");
    }

    // ------------------------------------------------------------------ helpers

    Running sidecar(Path cfg) throws Exception {
        return start("sidecar", "--namespace", "default", "--service-account", "sleep", "-f", cfg.toString(),
                "--listen", "127.0.0.1:0", "--connect-to", GOOGLE + ":443:127.0.0.1:" + google.httpsAddress().getPort(),
                "--connect-to", GOOGLE + ":80:127.0.0.1:" + google.httpAddress().getPort(),
                "--ca-dir", meshCa.toString(), "--drain-timeout", "1s");
    }

    /** A command running on its own thread until closed; {@code port} is the sidecar's listener. */
    static final class Running implements AutoCloseable {
        final Thread thread;
        final StringWriter err = new StringWriter();
        final AtomicInteger exit = new AtomicInteger(-1);
        int port;
        int admin;

        Running(String... args) {
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            cl.setOut(new PrintWriter(new StringWriter(), true));
            thread = new Thread(() -> exit.set(cl.execute(args)), "tollgate " + args[0]);
            thread.start();
        }

        String err() {
            return err.toString();
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(30_000);
            assertThat(thread.isAlive()).as("the command stopped when interrupted").isFalse();
        }
    }

    static final Pattern LISTEN = Pattern.compile("listening on \\S*?:(\\d+)");
    static final Pattern ADMIN = Pattern.compile("admin on \\S*?:(\\d+)");

    /** Starts a command and waits (up to 30 s) for its startup line. */
    static Running start(String command, String... rest) throws Exception {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of(rest));
        Running r = new Running(args.toArray(String[]::new));
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!r.err().contains("listening on")) {
            if (!r.thread.isAlive() || System.nanoTime() > until) {
                r.close();
                throw new AssertionError("tollgate " + command + " did not start:\n" + r.err());
            }
            Thread.sleep(20);
        }
        Matcher m = LISTEN.matcher(r.err());
        if (command.equals("sidecar") && m.find()) {
            r.port = Integer.parseInt(m.group(1));
        }
        Matcher a = ADMIN.matcher(r.err());
        if (a.find()) {
            r.admin = Integer.parseInt(a.group(1));
        }
        return r;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    record Curl(int exit, int code, String body, String stderr) {
    }

    /** Real curl through the sidecar, as the tutorial runs it, trusting the stand-in's "public" CA. */
    static Curl curl(int proxyPort, String url) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("curl", "-q", "-sS", "--max-time", "10",
                "--proxy", "http://127.0.0.1:" + proxyPort, "--cacert", publicRoot.toString(),
                "-w", "\n%{http_code}", url);
        for (String v : List.of("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
                "NO_PROXY")) {
            pb.environment().remove(v);
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        String s = new String(out, StandardCharsets.UTF_8);
        int nl = s.lastIndexOf('\n');
        return new Curl(exit, Integer.parseInt(s.substring(nl + 1).trim()), s.substring(0, Math.max(nl, 0)), err);
    }

    static HttpResponse<String> admin(int port, String path) throws IOException, InterruptedException {
        try (HttpClient c = HttpClient.newHttpClient()) {
            return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** The value of an unlabelled-but-common-tagged series, summed over its lines. */
    static double metric(int adminPort, String name) throws IOException, InterruptedException {
        double sum = 0;
        for (String line : admin(adminPort, "/metrics").body().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    interface Probe<T> {
        T get() throws Exception;
    }

    /** Polls (up to 15 s) until {@code done} holds: a reload is noticed by the watcher, not at once. */
    static <T> T until(Probe<T> probe, Predicate<T> done) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        T last = probe.get();
        while (!done.test(last)) {
            if (System.nanoTime() > until) {
                throw new AssertionError("never happened; last: " + last);
            }
            Thread.sleep(100);
            last = probe.get();
        }
        return last;
    }
}
