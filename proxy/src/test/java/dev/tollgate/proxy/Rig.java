package dev.tollgate.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.Protocol;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.snapshot.Upstream;
import dev.tollgate.core.model.UpstreamTls;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A whole data plane on loopback: local stand-ins for external hosts (plain HTTP, and HTTPS with certificates from a
 * test "public" CA), an egress gateway and sidecars with mesh certificates, and a fake snapshot that routes like the
 * tutorial's final configuration: developers.google.com through the gateway (HTTP on server port 80 with TLS
 * origination, TLS on 443 passed through), workloads of otherns denied at the gateway.
 */
final class Rig implements AutoCloseable {
    static final String GW_HOST = "istio-egressgateway.istio-system.svc.cluster.local";
    static final String GOOGLE = "developers.google.com";
    static final String DENY_GOOGLE = "ns[istio-system]-policy[deny-google]-rule[0]";
    static final String TD = "cluster.local";
    static final WorkloadRef DEFAULT_SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));
    static final WorkloadRef OTHERNS_SLEEP = new WorkloadRef("otherns", "sleep", Map.of("app", "sleep"));

    final Path dir;
    final TestPki mesh = TestPki.create("mesh-ca");
    final TestPki publicCa = TestPki.create("public-ca");
    final Path publicRoot;
    final HttpServer plain;
    final HttpsServer tls;
    final ConcurrentLinkedQueue<String> upstreamSaw = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<AccessLogEntry> log = new ConcurrentLinkedQueue<>();
    final AtomicReference<MeshSnapshot> snapshot = new AtomicReference<>();
    EgressGateway gateway;
    /** Extra {@code --connect-to} entries for sidecars started after they are added. */
    final List<String> sidecarHosts = new ArrayList<>();
    /** Where the gateway sends developers.google.com:443; the TLS stand-in unless a test says otherwise. */
    int gatewayUpstreamPort;
    final List<Sidecar> sidecars = new ArrayList<>();
    /** Applied last to the settings of every gateway / sidecar started, e.g. to set limits. */
    java.util.function.UnaryOperator<GatewaySettings> gatewaySettings = s -> s;
    java.util.function.UnaryOperator<SidecarSettings> sidecarSettings = s -> s;

    Rig() throws Exception {
        dir = Files.createTempDirectory("tollgate-proxy-test");
        publicRoot = publicCa.writeRoot(dir);
        plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        plain.createContext("/", this::answer);
        plain.setExecutor(Executors.newFixedThreadPool(8));
        plain.start();
        tls = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        SSLContext ctx = publicCa.sslContext(publicCa.server(GOOGLE, "direct.example", "developer.yahoo.com"));
        tls.setHttpsConfigurator(new HttpsConfigurator(ctx));
        tls.createContext("/", this::answer);
        tls.setExecutor(Executors.newFixedThreadPool(8));
        tls.start();
        snapshot.set(tutorial());
    }

    /** Echoes what it saw: method, Host and path; POST bodies are counted. */
    private void answer(HttpExchange x) throws IOException {
        byte[] in = x.getRequestBody().readAllBytes();
        String host = x.getRequestHeaders().getFirst("Host");
        String seen = x.getRequestMethod() + " " + host + " " + x.getRequestURI();
        upstreamSaw.add(seen);
        if (x.getRequestURI().getPath().equals("/slow")) {
            try {
                Thread.sleep(700);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = ("hello " + seen + " body=" + in.length + "\n").getBytes(StandardCharsets.UTF_8);
        if (x.getRequestURI().getPath().equals("/big")) {
            body = big();
        }
        x.getResponseHeaders().set("Content-Type", "text/plain");
        if (x.getRequestMethod().equals("HEAD")) {
            x.sendResponseHeaders(200, -1);
        } else {
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        }
        x.close();
    }

    static final int BIG = 4 * 1024 * 1024 + 123;

    /** A deterministic 4 MiB body, to check that long transfers arrive whole. */
    static byte[] big() {
        byte[] b = new byte[BIG];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + (i >> 10));
        }
        return b;
    }

    int plainPort() {
        return plain.getAddress().getPort();
    }

    int tlsPort() {
        return tls.getAddress().getPort();
    }

    static OutboundDecision.Forward direct(String host, int port, UpstreamTls t) {
        return new OutboundDecision.Forward(new Upstream(host, port, List.of(), t), false,
                "outbound|" + port + "||" + host, List.of());
    }

    static OutboundDecision.Forward viaGateway(String host, int port) {
        return new OutboundDecision.Forward(new Upstream(GW_HOST, port, List.of(),
                new UpstreamTls(TlsMode.ISTIO_MUTUAL, Optional.of(host), List.of(), Optional.empty())), true,
                "VirtualService istio-system/direct-" + host + " to gateway", List.of());
    }

    static final List<GatewayListener> LISTENERS = List.of(
            new GatewayListener(80, new GatewayServerKind(PortProtocol.HTTPS, ServerTlsMode.ISTIO_MUTUAL), List.of(GOOGLE), List.of()),
            new GatewayListener(443, new GatewayServerKind(PortProtocol.TLS, ServerTlsMode.ISTIO_MUTUAL), List.of(GOOGLE), List.of()));

    /** The tutorial's final shape, as a fake. */
    static FakeSnapshot tutorial() {
        return new FakeSnapshot(Rig::outbound, LISTENERS, Rig::gatewayDecision);
    }

    static OutboundDecision outbound(WorkloadRef from, OutboundRequest r) {
        // the real snapshot's first rule; the fake keeps it so that the proxy's part of the contract is tested
        Optional<String> otherHost = dev.tollgate.core.snapshot.RequestedHost.mismatch(r);
        if (otherHost.isPresent()) {
            return new OutboundDecision.Refused(otherHost.get(), List.of());
        }
        return switch (r.host()) {
            case "blocked.example" -> new OutboundDecision.Refused(
                    "REGISTRY_ONLY: blocked.example:" + r.port() + " is not in the registry of " + from.namespace(),
                    List.of());
            case GOOGLE -> viaGateway(GOOGLE, r.protocol() == Protocol.HTTP ? 80 : 443);
            case "plain.example" -> direct("plain.example", r.port(), UpstreamTls.NONE);
            case "origin.example" -> direct("direct.example", 443,
                    new UpstreamTls(TlsMode.SIMPLE, Optional.of("direct.example"), List.of(), Optional.empty()));
            case "san.example" -> direct("direct.example", 443,
                    new UpstreamTls(TlsMode.SIMPLE, Optional.of("direct.example"), List.of("developer.yahoo.com"),
                            Optional.empty()));
            case "wrong-san.example" -> direct("direct.example", 443,
                    new UpstreamTls(TlsMode.SIMPLE, Optional.of("direct.example"), List.of("other.example"),
                            Optional.empty()));
            case "rawtls.example" -> direct("rawtls.example", 443,
                    new UpstreamTls(TlsMode.SIMPLE, Optional.of("rawtls.example"), List.of(), Optional.empty()));
            case "wrong-name.example" -> direct("wrong-name.example", 443,
                    new UpstreamTls(TlsMode.SIMPLE, Optional.of("wrong-name.example"), List.of(), Optional.empty()));
            default -> direct(r.host(), r.port(), UpstreamTls.NONE);
        };
    }

    static GatewayDecision gatewayDecision(WorkloadRef gw, GatewayRequest r) {
        if (r.peer().isEmpty()) {
            return new GatewayDecision.Denied(Optional.empty(), "no peer identity", List.of());
        }
        if (r.peer().get().namespace().equals("otherns") && r.sni().equals(Optional.of(GOOGLE))) {
            return new GatewayDecision.Denied(PolicyRef.parse(DENY_GOOGLE), "denied", List.of());
        }
        String host = r.sni().orElse("none");
        if (r.port() == 80) {
            return new GatewayDecision.Forward(new Upstream(host, 443, List.of(),
                    new UpstreamTls(TlsMode.SIMPLE, Optional.of(host), List.of(), Optional.empty())),
                    "VirtualService istio-system/direct-google http[1]", List.of());
        }
        return new GatewayDecision.Forward(new Upstream(host, 443, List.of(), UpstreamTls.NONE),
                "VirtualService istio-system/direct-google tcp[0]", List.of());
    }

    EgressGateway startGateway() throws Exception {
        GatewaySettings s = GatewaySettings.defaults(mesh.identity(mesh.workload(TD, "istio-system",
                        "istio-egressgateway-service-account")))
                .withBind("127.0.0.1", GatewaySettings.EPHEMERAL_PORTS)
                .withHosts(HostMap.parse(List.of(), List.of(GOOGLE + ":443:127.0.0.1:"
                        + (gatewayUpstreamPort != 0 ? gatewayUpstreamPort : tlsPort()))))
                .withCaBundle(Optional.of(publicRoot))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                .withAccessLog(log::add)
                .withIoThreads(2)
                .withRefreshInterval(Duration.ofMillis(100));
        gateway = EgressGateway.start(gatewaySettings.apply(s), snapshot::get);
        return gateway;
    }

    Sidecar startSidecar(WorkloadRef workload) throws Exception {
        return startSidecar(workload, false);
    }

    Sidecar startSidecar(WorkloadRef workload, boolean splice) throws Exception {
        return startSidecar(workload, splice, snapshot::get);
    }

    Sidecar startSidecar(WorkloadRef workload, boolean splice, java.util.function.Supplier<MeshSnapshot> snapshots)
            throws Exception {
        List<String> connectTo = new ArrayList<>();
        if (gateway != null) {
            gateway.listeners().forEach((port, a) ->
                    connectTo.add(GW_HOST + ":" + port + ":127.0.0.1:" + a.getPort()));
        }
        connectTo.add("direct.example:443:127.0.0.1:" + tlsPort());
        connectTo.add("wrong-name.example:443:127.0.0.1:" + tlsPort());
        connectTo.add("plain.example::127.0.0.1:" + plainPort());
        connectTo.addAll(sidecarHosts);
        SidecarSettings s = SidecarSettings.defaults(workload, mesh.identity(mesh.workload(TD, workload.namespace(),
                        workload.serviceAccount())))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(List.of(), connectTo))
                .withCaBundle(Optional.of(publicRoot))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                .withAccessLog(log::add)
                .withIoThreads(2)
                .withSplice(splice);
        Sidecar sidecar = Sidecar.start(sidecarSettings.apply(s), snapshots);
        sidecars.add(sidecar);
        return sidecar;
    }

    /** A JDK client using {@code sidecar} as its proxy, trusting the public CA. */
    HttpClient client(Sidecar sidecar) {
        return HttpClient.newBuilder().proxy(ProxySelector.of(sidecar.address()))
                .sslContext(publicCa.sslContext(null)).connectTimeout(Duration.ofSeconds(10)).build();
    }

    static HttpResponse<String> get(HttpClient c, String url) throws IOException, InterruptedException {
        return c.send(HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends raw bytes and reads until the proxy closes (or 10 s pass). */
    static String raw(InetSocketAddress to, byte[] request) throws IOException {
        try (Socket s = new Socket(to.getAddress(), to.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream o = s.getOutputStream();
            o.write(request);
            o.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] b = new byte[8192];
            try {
                int n;
                while ((n = in.read(b)) > 0) {
                    got.write(b, 0, n);
                }
            } catch (java.net.SocketException e) {
                // reset after a refusal: what was read counts
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static String raw(InetSocketAddress to, String request) throws IOException {
        return raw(to, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Waits (up to 10 s) for an access log entry; the log is written when an exchange ends, possibly after the reply. */
    AccessLogEntry awaitLog(Predicate<AccessLogEntry> p) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            for (AccessLogEntry e : log) {
                if (p.test(e)) {
                    return e;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no access log entry matched; log was:\n" + String.join("\n",
                log.stream().map(AccessLogEntry::json).toList()));
    }

    /** Waits (up to 10 s) until the upstream has received a request whose path contains {@code path}. */
    void awaitUpstream(String path) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            if (upstreamSaw.stream().anyMatch(s -> s.contains(path))) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the upstream never saw " + path);
    }

    @Override
    public void close() throws Exception {
        for (Sidecar s : sidecars) {
            s.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        plain.stop(0);
        tls.stop(0);
        ((java.util.concurrent.ExecutorService) plain.getExecutor()).shutdownNow();
        ((java.util.concurrent.ExecutorService) tls.getExecutor()).shutdownNow();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
