package dev.tollgate.proxy;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The address guard against a client that wants the proxies to reach what they must not: DNS names that resolve to
 * loopback or metadata addresses (through a stand-in resolver: no real DNS), every spelling of 127.0.0.1 a URL can
 * carry, and the proxies' own admin and listener ports. The sidecar runs on the real configuration compiler
 * (ALLOW_ANY plus ServiceEntries); the gateway on the rig's fake snapshot. Each refusal asserts what the client got,
 * the access log reason, and that the loopback "victim" accepted no connection; exemptions assert the opposite.
 */
class HostileAddressTest {
    static Rig rig;
    static Victim victim;
    static Victim vip;
    static ConfigStore store;
    static Sidecar sidecar;
    static Sidecar allowing;
    static EgressGateway gateway;
    static int allowingAdminPort;
    static final List<String> asked = new CopyOnWriteArrayList<>();

    /** The stand-in DNS: what an attacker who controls a zone would answer. */
    static final Map<String, String> ZONE = Map.of(
            "rebind.example", "127.0.0.1",
            "evil.example", "127.0.0.1",
            "localhost", "127.0.0.1",
            "metadata.example", "169.254.169.254",
            "private.example", "10.1.2.3",
            "compat.example", "::7f00:1",
            "nat64.example", "64:ff9b::a9fe:a9fe",
            "ula.example", "fd00:ec2::254");

    static InetAddress[] lookup(String name) throws UnknownHostException {
        asked.add(name);
        String a = ZONE.get(name);
        if (a == null) {
            throw new UnknownHostException(name);
        }
        return new InetAddress[]{InetAddress.getByAddress(name, HostMap.literal(a).orElseThrow().getAddress())};
    }

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        victim = new Victim(InetAddress.getByName("127.0.0.1"));
        vip = new Victim(InetAddress.getByName("127.0.0.2"));
        Path config = Files.createDirectories(rig.dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), """
                apiVersion: install.istio.io/v1alpha1
                kind: IstioOperator
                metadata: {name: mesh, namespace: istio-system}
                spec:
                  meshConfig:
                    outboundTrafficPolicy: {mode: ALLOW_ANY}
                """);
        Files.writeString(config.resolve("entries.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: rebind, namespace: default}
                spec:
                  hosts: [rebind.example]
                  ports: [{number: %1$d, name: http, protocol: HTTP}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: static, namespace: default}
                spec:
                  hosts: [static.example]
                  ports: [{number: %1$d, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints: [{address: 127.0.0.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: vip, namespace: default}
                spec:
                  hosts: [vip.internal]
                  addresses: [127.0.0.2/32]
                  ports: [{number: %2$d, name: http, protocol: HTTP}]
                  resolution: NONE
                """.formatted(victim.port(), vip.port()));
        store = new ConfigStore(List.of(new ConfigSource(config, Optional.empty())), LoadOptions.DEFAULTS,
                SnapshotCompiler::compile);
        assertThat(store.reload().ok()).isTrue();
        sidecar = startSidecar(List.of("pinned.example:" + victim.port() + ":127.0.0.1"), List.of(), 0);
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            allowingAdminPort = free.getLocalPort();
        }
        // the operator pins a name to the proxy's own admin port, and allows all of loopback: still refused
        allowing = startSidecar(List.of("admin.example:" + allowingAdminPort + ":127.0.0.1"),
                List.of("127.0.0.0/8", "::1/128"), allowingAdminPort);
        gateway = startGateway();
    }

    static Sidecar startSidecar(List<String> resolve, List<String> allow, int adminPort) throws Exception {
        SidecarSettings s = SidecarSettings.defaults(Rig.DEFAULT_SLEEP,
                        rig.mesh.identity(rig.mesh.workload(Rig.TD, "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(resolve, List.of()).withResolver(HostileAddressTest::lookup))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", adminPort)))
                .withAccessLog(rig.log::add)
                .withIoThreads(1)
                .withConnect(ConnectSettings.DEFAULTS.withAllowedCidrs(allow));
        Sidecar started = Sidecar.start(s, store::current);
        rig.sidecars.add(started);
        return started;
    }

    static EgressGateway startGateway() throws Exception {
        GatewaySettings s = GatewaySettings.defaults(rig.mesh.identity(rig.mesh.workload(Rig.TD, "istio-system",
                        "istio-egressgateway-service-account")))
                .withBind("127.0.0.1", GatewaySettings.EPHEMERAL_PORTS)
                .withHosts(HostMap.EMPTY.withResolver(HostileAddressTest::lookup))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                .withAccessLog(rig.log::add)
                .withIoThreads(1)
                .withRefreshInterval(Duration.ofMillis(100));
        rig.gateway = EgressGateway.start(s, rig.snapshot::get);
        return rig.gateway;
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        rig.close();
        victim.close();
        vip.close();
    }

    /** Hosts a client may write for "this machine", and what the guard calls each. */
    static Stream<Arguments> hostileHosts() {
        return Stream.of(
                hostile("a ServiceEntry host whose DNS answer is 127.0.0.1 (the reported bypass)", "rebind.example",
                        "loopback"),
                hostile("an unknown name resolving to 127.0.0.1 under ALLOW_ANY", "evil.example", "loopback"),
                hostile("localhost with a trailing dot", "localhost.", "loopback"),
                hostile("the IP literal 127.0.0.1", "127.0.0.1", "loopback"),
                hostile("127.0.0.1 with a trailing dot", "127.0.0.1.", "loopback"),
                hostile("IPv4-mapped IPv6 [::ffff:127.0.0.1]", "[::ffff:127.0.0.1]", "loopback"),
                hostile("IPv6 loopback [::1]", "[::1]", "loopback"),
                hostile("a DNS answer in the IPv4-compatible form ::127.0.0.1", "compat.example", "loopback"),
                hostile("the unspecified address 0.0.0.0, which reaches this host", "0.0.0.0", "unspecified"),
                hostile("the cloud metadata service by DNS", "metadata.example", "metadata"),
                hostile("the cloud metadata service by literal", "169.254.169.254", "metadata"),
                hostile("metadata through NAT64 64:ff9b::a9fe:a9fe", "nat64.example", "metadata"),
                hostile("EC2's IPv6 metadata fd00:ec2::254", "ula.example", "metadata"),
                hostile("IPv6 link-local [fe80::1]", "[fe80::1]", "link-local"),
                hostile("a private RFC 1918 DNS answer", "private.example", "private"),
                hostile("multicast 224.0.0.1", "224.0.0.1", "multicast"));
    }

    /**
     * Hosts whose last label is a number but which are no strict IPv4 address: inet_aton reads them as addresses
     * (2130706433 and 0177.0.0.1 are 127.0.0.1 to it). HostName.ambiguousNumber refuses them as the request is read,
     * as check refuses them, so they never reach the address guard or a resolver.
     */
    static Stream<Arguments> numericHosts() {
        return Stream.of(
                Arguments.of(Named.of("decimal 2130706433 (inet_aton: 127.0.0.1)", "2130706433")),
                Arguments.of(Named.of("octal 0177.0.0.1", "0177.0.0.1")),
                Arguments.of(Named.of("leading zero 017.0.0.1 (octal 15, or decimal 17)", "017.0.0.1")),
                Arguments.of(Named.of("hex 0x7f.1", "0x7f.1")),
                Arguments.of(Named.of("short form 127.1", "127.1")),
                Arguments.of(Named.of("'0' (inet_aton: 0.0.0.0)", "0")));
    }

    @ParameterizedTest
    @MethodSource("numericHosts")
    void aHostEndingInANumberThatIsNoStrictAddressIsRefusedWith400AndNeverResolved(String host) throws Exception {
        int before = victim.connections.get();
        String path = "/case-" + Math.abs(host.hashCode());
        String authority = host + ":" + victim.port();
        String resp = Rig.raw(sidecar.address(), "GET http://" + authority + path + " HTTP/1.1\r\nHost: " + authority
                + "\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 400");
        AccessLogEntry e = rig.awaitLog(x -> x.responseCode() == 400 && x.text().contains(host));
        assertThat(e.decision()).isEqualTo("error");
        // never handed to a resolver, which would read it as 127.0.0.1
        assertThat(asked).doesNotContain(dev.tollgate.core.model.net.HostName.fold(host));
        assertThat(victim.connections.get()).isEqualTo(before);
    }

    private static Arguments hostile(String name, String host, String rule) {
        return Arguments.of(Named.of(name, host), rule);
    }

    @ParameterizedTest
    @MethodSource("hostileHosts")
    void aHostileHostIsRefusedWith502AndNothingIsConnected(String host, String rule) throws Exception {
        int before = victim.connections.get();
        String path = "/case-" + Math.abs(host.hashCode());
        String authority = host + ":" + victim.port();
        String resp = Rig.raw(sidecar.address(), "GET http://" + authority + path + " HTTP/1.1\r\nHost: " + authority
                + "\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 502").contains("address guard [" + rule + "]");
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains(path));
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(e.responseCode()).isEqualTo(502);
        assertThat(e.reason()).startsWith("address guard [" + rule + "]: ");
        assertThat(e.reason()).contains(e.upstreamAddress().orElseThrow());
        assertThat(victim.connections.get()).isEqualTo(before);
    }

    /**
     * Names that end in a number but are no strict IPv4 literal mean different addresses to different readers
     * (inet_aton reads 0177.0.0.1 as 127.0.0.1). They are refused as malformed before routing, with the sentence
     * {@code check} gives ({@code HostName.ambiguousNumber}), and never reach a resolver.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"2130706433", "0177.0.0.1", "017.0.0.1", "0x7f.1",
            "127.1", "0", "evil.example.0x7f"})
    void aHostEndingInANumberIsRefusedAsMalformedBeforeAnyResolver(String host) throws Exception {
        int before = victim.connections.get();
        String path = "/numeric-" + Math.abs(host.hashCode());
        String authority = host + ":" + victim.port();
        String resp = Rig.raw(sidecar.address(), "GET http://" + authority + path + " HTTP/1.1\r\nHost: " + authority
                + "\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 400").contains("ends in a number");
        String tunnel = Rig.raw(sidecar.address(), "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority
                + "\r\n\r\n");
        assertThat(tunnel).startsWith("HTTP/1.1 400");
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains(path));
        assertThat(e.decision()).isEqualTo("error");
        assertThat(e.reason()).contains("ends in a number");
        assertThat(asked).doesNotContain(dev.tollgate.core.model.net.HostName.fold(host));
        assertThat(victim.connections.get()).isEqualTo(before);
    }

    @Test
    void aConnectToANameResolvingToLoopbackIsRefusedWith502() throws Exception {
        int before = victim.connections.get();
        String resp = Rig.raw(sidecar.address(), "CONNECT evil.example:" + victim.port() + " HTTP/1.1\r\nHost: "
                + "evil.example:" + victim.port() + "\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 502").contains("address guard [loopback]");
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel")
                && x.destinationHost().equals("evil.example") && x.destinationPort() == victim.port());
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(e.reason()).startsWith("address guard [loopback]: evil.example resolved by DNS to 127.0.0.1:"
                + victim.port());
        assertThat(victim.connections.get()).isEqualTo(before);
    }

    @Test
    void theSidecarsOwnAdminPortIsRefusedEvenWhenLoopbackIsAllowedAndTheOperatorPinnedIt() throws Exception {
        InetSocketAddress admin = allowing.adminAddress().orElseThrow();
        for (String host : List.of("127.0.0.1", "admin.example", "[::ffff:127.0.0.1]", "0.0.0.0")) {
            String authority = host + ":" + admin.getPort();
            String resp = Rig.raw(allowing.address(), "GET http://" + authority + "/config_dump HTTP/1.1\r\nHost: "
                    + authority + "\r\n\r\n");
            assertThat(resp).as(host).startsWith("HTTP/1.1 502").contains("address guard [self]")
                    .doesNotContain("kind: MeshConfig");
            AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").equals("GET " + authority + " /config_dump"));
            assertThat(e.reason()).startsWith("address guard [self]: ");
        }
    }

    @Test
    void aConnectToTheSidecarsOwnListenerIsRefused() throws Exception {
        int port = allowing.address().getPort();
        String resp = Rig.raw(allowing.address(), "CONNECT 127.0.0.1:" + port + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 502").contains("address guard [self]");
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.destinationPort() == port);
        assertThat(e.reason()).startsWith("address guard [self]: 127.0.0.1 is the address 127.0.0.1:" + port);
    }

    @Test
    void anAllowedBlockLetsADnsAnswerThrough() throws Exception {
        int before = victim.connections.get();
        String authority = "evil.example:" + victim.port();
        String resp = Rig.raw(allowing.address(), "GET http://" + authority + "/allowed-cidr HTTP/1.1\r\nHost: "
                + authority + "\r\nConnection: close\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 200").contains("victim saw GET /allowed-cidr");
        assertThat(victim.connections.get()).isEqualTo(before + 1);
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").contains("/allowed-cidr"));
        assertThat(e.decision()).isEqualTo("allowed");
    }

    @Test
    void operatorGivenAddressesAreTrusted() throws Exception {
        // --resolve, ServiceEntry endpoints, and a client address the ServiceEntry's addresses declare
        for (String authority : List.of("pinned.example:" + victim.port(), "static.example:" + victim.port())) {
            int before = victim.connections.get();
            String resp = Rig.raw(sidecar.address(), "GET http://" + authority + "/trusted HTTP/1.1\r\nHost: "
                    + authority + "\r\nConnection: close\r\n\r\n");
            assertThat(resp).as(authority).startsWith("HTTP/1.1 200").contains("victim saw GET /trusted");
            assertThat(victim.connections.get()).isEqualTo(before + 1);
        }
        String authority = "127.0.0.2:" + vip.port();
        String resp = Rig.raw(sidecar.address(), "GET http://" + authority + "/vip HTTP/1.1\r\nHost: " + authority
                + "\r\nConnection: close\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 200").contains("victim saw GET /vip");
        assertThat(vip.connections.get()).isEqualTo(1);
    }

    @Test
    void theGatewayAnswers503ToAnHttpRouteWhoseHostResolvesToLoopback() throws Exception {
        InetSocketAddress gw = gateway.listeners().get(80);
        String resp = mtls(gw, "evil.example", "GET /gw-http HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 503").contains("address guard [loopback]");
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway")
                && x.request().orElse("").contains("/gw-http"));
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(e.reason()).startsWith("address guard [loopback]: evil.example resolved by DNS to 127.0.0.1:443");
    }

    @Test
    void theGatewayClosesATunnelWhoseHostResolvesToLoopback() throws Exception {
        InetSocketAddress gw = gateway.listeners().get(443);
        String resp = mtls(gw, "evil.example", "\u0016\u0003\u0001 not really a hello, never forwarded");
        assertThat(resp).isEmpty();
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway") && x.protocol().equals("tcp")
                && x.reason().startsWith("address guard"));
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(e.reason()).startsWith("address guard [loopback]: evil.example resolved by DNS to 127.0.0.1:443");
        assertThat(e.bytesReceived()).isZero();
    }

    @Test
    void refusalsAreCountedByRule() throws Exception {
        Rig.raw(sidecar.address(), "GET http://127.0.0.1:" + victim.port() + "/count HTTP/1.1\r\nHost: 127.0.0.1:"
                + victim.port() + "\r\n\r\n");
        rig.awaitLog(x -> x.request().orElse("").contains("/count"));
        String metrics = Rig.get(java.net.http.HttpClient.newHttpClient(),
                "http://127.0.0.1:" + sidecar.adminAddress().orElseThrow().getPort() + "/metrics").body();
        assertThat(metrics.lines().filter(l -> l.startsWith("tollgate_address_guard_rejections_total{")
                && l.contains("reason=\"loopback\""))).singleElement()
                .satisfies(l -> assertThat(Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).isPositive());
    }

    /** An mTLS connection to the gateway as default/sleep with {@code sni}; what came back before it closed. */
    private static String mtls(InetSocketAddress gw, String sni, String send) throws IOException {
        try (SSLSocket s = (SSLSocket) rig.mesh.sslContext(rig.mesh.workload(Rig.TD, "default", "sleep"))
                .getSocketFactory().createSocket(gw.getAddress(), gw.getPort())) {
            var p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(send.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.getInputStream().transferTo(got);
            } catch (java.net.SocketException e) {
                // reset after a refusal: what was read counts
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** A loopback HTTP server that counts every connection it accepts: the target a guard must keep clients from. */
    static final class Victim implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        private final ServerSocket server;
        private final ExecutorService pool = Executors.newCachedThreadPool();

        Victim(InetAddress bind) throws IOException {
            server = new ServerSocket(0, 50, bind);
            pool.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        connections.incrementAndGet();
                        pool.execute(() -> answer(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private static void answer(Socket s) {
            try (s) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                String head = RawUpstream.readHead(in);
                if (head == null) {
                    return;
                }
                String line = head.substring(0, head.indexOf('\r'));
                String body = "victim saw " + line.substring(0, line.lastIndexOf(' ')) + "\n";
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length()
                        + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // the proxy went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            pool.shutdownNow();
        }
    }
}
