package dev.tollgate.proxy;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.AfterAll;
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
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The capture listener on loopback, deciding on the real compiled configuration. There is no NAT on loopback, so
 * each test says where its connection "was going" through the injected {@link OriginalDestination}, keyed by the
 * client's source port; one test uses the kernel's getsockopt on a connection nobody redirected. The original
 * destinations are addresses of 198.18.0.0/15 that nothing is ever sent to: the configuration maps the allowed ones
 * to loopback stand-ins by ServiceEntry endpoints or {@code --connect-to}.
 */
class CaptureTest {
    static Rig rig;
    static ConfigStore store;
    static final AtomicReference<MeshSnapshot> snapshot = new AtomicReference<>();
    static MeshSnapshot registryOnly;
    static MeshSnapshot allowAny;
    static Sidecar sidecar;
    static InetSocketAddress capture;
    static final Map<Integer, InetSocketAddress> originals = new ConcurrentHashMap<>();
    static ServerSocket banner;
    static final AtomicInteger bannerConnections = new AtomicInteger();

    static final String ENTRIES = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: direct, namespace: default}
            spec:
              hosts: [direct.example]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: plain, namespace: default}
            spec:
              hosts: [plain.example]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: yahoo, namespace: default}
            spec:
              hosts: [developer.yahoo.com]
              addresses: [198.18.0.5]
              ports: [{number: 443, name: tls, protocol: TLS}, {number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: db, namespace: default}
            spec:
              hosts: [db.internal]
              addresses: [198.18.0.20]
              ports: [{number: 5432, name: tcp, protocol: TCP}]
              resolution: STATIC
              endpoints: [{address: 127.0.0.1, ports: {tcp: %d}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: tls-by-address, namespace: default}
            spec:
              hosts: [tls.internal]
              addresses: [198.18.0.30]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: STATIC
              endpoints: [{address: 127.0.0.1, ports: {tls: %d}}]
            """;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Epoll.isAvailable(), "capture needs epoll, unavailable here: " + Epoll.unavailabilityCause());
        rig = new Rig();
        banner = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(CaptureTest::serveBanner, "banner");
        t.setDaemon(true);
        t.start();
        registryOnly = compile("REGISTRY_ONLY");
        allowAny = compile("ALLOW_ANY");
        snapshot.set(registryOnly);
        rig.sidecarSettings = s -> s.withCapture(Optional.of(0));
        OriginalDestination fake = ch -> {
            InetSocketAddress o = originals.get(((InetSocketAddress) ch.remoteAddress()).getPort());
            if (o == null) {
                throw new OriginalDestination.Unknown("no original destination (test: none injected)");
            }
            return o;
        };
        sidecar = start(fake);
        capture = sidecar.captureAddresses().get(0);
    }

    static Sidecar start(OriginalDestination originals) throws Exception {
        rig.sidecarSettings = s -> s.withCapture(Optional.of(0));
        SidecarSettings s = SidecarSettings.defaults(Rig.DEFAULT_SLEEP, rig.mesh.identity(rig.mesh.workload(Rig.TD,
                        "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(List.of(), List.of("direct.example:443:127.0.0.1:" + rig.tlsPort(),
                        "plain.example::127.0.0.1:" + rig.plainPort())))
                .withCaBundle(Optional.of(rig.publicRoot))
                .withAccessLog(rig.log::add)
                .withIoThreads(2)
                .withCapture(Optional.of(0));
        Sidecar started = Sidecar.start(s, snapshot::get, originals, CaptureSniffer.Settings.DEFAULTS);
        rig.sidecars.add(started);
        return started;
    }

    static MeshSnapshot compile(String mode) throws Exception {
        Path dir = Files.createDirectories(rig.dir.resolve("config-" + mode));
        Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: install.istio.io/v1alpha1
                kind: IstioOperator
                metadata: {name: mesh, namespace: istio-system}
                spec:
                  meshConfig:
                    outboundTrafficPolicy: {mode: %s}
                """.formatted(mode));
        Files.writeString(dir.resolve("entries.yaml"), ENTRIES.formatted(banner.getLocalPort(), rig.tlsPort()));
        try (ConfigStore s = new ConfigStore(List.of(new ConfigSource(dir, Optional.empty())), LoadOptions.DEFAULTS,
                SnapshotCompiler::compile)) {
            assertThat(s.reload().ok()).as("the test configuration loads").isTrue();
            return s.current();
        }
    }

    /** A server-first TCP service: a banner on accept, then echoes what it reads. */
    static void serveBanner() {
        while (!banner.isClosed()) {
            try {
                Socket s = banner.accept();
                bannerConnections.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        OutputStream o = s.getOutputStream();
                        o.write("220 banner\r\n".getBytes(StandardCharsets.US_ASCII));
                        o.flush();
                        s.getInputStream().transferTo(o);
                    } catch (IOException e) {
                        // the test closed it
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
        if (banner != null) {
            banner.close();
        }
    }

    /** A client socket whose connection the fake says was going to {@code original}. */
    static Socket captured(String ip, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        originals.put(s.getLocalPort(), new InetSocketAddress(java.net.InetAddress.getByName(ip), port));
        s.connect(capture, 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    static SSLSocket tls(Socket raw, Optional<String> sni) throws IOException {
        SSLSocket s = (SSLSocket) rig.publicCa.sslContext(null).getSocketFactory()
                .createSocket(raw, "127.0.0.1", raw.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni.<List<javax.net.ssl.SNIServerName>>map(n -> List.of(new SNIHostName(n)))
                .orElse(List.of()));
        s.setSSLParameters(p);
        return s;
    }

    /** One HTTP/1.1 response: head and a Content-Length body. */
    static String response(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            String h = head.toString(StandardCharsets.ISO_8859_1);
            if (h.endsWith("\r\n\r\n")) {
                int length = 0;
                for (String line : h.split("\r\n")) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    static String get(OutputStream o, InputStream in, String host, String path) throws IOException {
        o.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        o.flush();
        return response(in);
    }

    /** Reads until the proxy closes; true when it did within the socket timeout. */
    static boolean closedByProxy(Socket s) throws IOException {
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // drain
            }
            return true;
        } catch (java.net.SocketException e) {
            return true; // reset
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    AccessLogEntry awaitLog(String original, String reasonPart) throws InterruptedException {
        return rig.awaitLog(e -> e.originalDestination().equals(Optional.of(original))
                && e.reason().contains(reasonPart));
    }

    @Test
    void tlsIsDecidedBySniAndRelayedToTheAllowedHost() throws Exception {
        try (Socket raw = captured("198.18.0.9", 443); SSLSocket s = tls(raw, Optional.of("direct.example"))) {
            s.startHandshake();
            String r = get(s.getOutputStream(), s.getInputStream(), "direct.example", "/captured-tls");
            assertThat(r).startsWith("HTTP/1.1 200").contains("hello GET direct.example /captured-tls");
        }
        AccessLogEntry e = rig.awaitLog(x -> x.sni().equals(Optional.of("direct.example"))
                && x.originalDestination().equals(Optional.of("198.18.0.9:443")) && x.bytesSent() > 0);
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.protocol()).isEqualTo("tunnel");
        assertThat(e.destinationHost()).isEqualTo("direct.example");
        assertThat(e.route()).isEqualTo("outbound|443||direct.example");
        assertThat(e.upstreamAddress()).contains("127.0.0.1:" + rig.tlsPort());
        assertThat(e.json()).contains("\"original_destination\":\"198.18.0.9:443\"");
    }

    @Test
    void tlsRefusedBySniIsAClosedConnection() throws Exception {
        try (Socket raw = captured("198.18.0.10", 443); SSLSocket s = tls(raw, Optional.of("blocked.example"))) {
            assertThatThrownBy(s::startHandshake).isInstanceOf(IOException.class);
        }
        AccessLogEntry e = awaitLog("198.18.0.10:443", "REGISTRY_ONLY");
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(e.sni()).contains("blocked.example");
        assertThat(e.reason()).isEqualTo(registryOnly.check(Rig.DEFAULT_SLEEP,
                dev.tollgate.core.snapshot.OutboundRequest.tls("blocked.example", 443).capturedTo("198.18.0.10"))
                .reason());
    }

    @Test
    void tlsWithoutSniIsDecidedByTheOriginalDestinationAddress() throws Exception {
        try (Socket raw = captured("198.18.0.30", 443); SSLSocket s = tls(raw, Optional.empty())) {
            s.startHandshake();
            String r = get(s.getOutputStream(), s.getInputStream(), "tls.internal", "/no-sni");
            assertThat(r).startsWith("HTTP/1.1 200").contains("/no-sni");
        }
        AccessLogEntry e = rig.awaitLog(x -> x.originalDestination().equals(Optional.of("198.18.0.30:443"))
                && x.bytesSent() > 0);
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.sni()).isEmpty();
        // the same ClientHello to an address nobody declares is refused
        try (Socket raw = captured("198.18.0.31", 443); SSLSocket s = tls(raw, Optional.empty())) {
            assertThatThrownBy(s::startHandshake).isInstanceOf(IOException.class);
        }
        assertThat(awaitLog("198.18.0.31:443", "REGISTRY_ONLY").decision()).isEqualTo("refused");
    }

    @Test
    void httpIsDecidedPerRequestByHostOnAKeepAliveConnection() throws Exception {
        try (Socket s = captured("198.18.0.40", 80)) {
            String first = get(s.getOutputStream(), s.getInputStream(), "plain.example", "/first");
            assertThat(first).startsWith("HTTP/1.1 200").contains("hello GET plain.example /first");
            String second = get(s.getOutputStream(), s.getInputStream(), "blocked.example", "/second");
            assertThat(second).startsWith("HTTP/1.1 502").contains("REGISTRY_ONLY")
                    .contains("blocked.example:80");
            assertThat(closedByProxy(s)).isTrue();
        }
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/second"));
        AccessLogEntry e = awaitLog("198.18.0.40:80", "REGISTRY_ONLY");
        assertThat(e.request()).contains("GET blocked.example /second");
        assertThat(e.responseCode()).isEqualTo(502);
        assertThat(rig.awaitLog(x -> x.request().equals(Optional.of("GET plain.example /first"))).originalDestination())
                .contains("198.18.0.40:80");
    }

    @Test
    void httpRefusalIsA502WithTheReasonCheckGives() throws Exception {
        String reason = registryOnly.check(Rig.DEFAULT_SLEEP, dev.tollgate.core.snapshot.OutboundRequest.http(
                "blocked.example", 80, new dev.tollgate.core.model.HttpRequestInfo("GET", "blocked.example", "/",
                        Map.of())).capturedTo("198.18.0.41")).reason();
        try (Socket s = captured("198.18.0.41", 80)) {
            String r = get(s.getOutputStream(), s.getInputStream(), "blocked.example", "/");
            assertThat(r).startsWith("HTTP/1.1 502").contains(reason);
        }
    }

    @Test
    void hostileHostHeadersGet400() throws Exception {
        for (String request : List.of("GET / HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: plain.example\r\nHost: blocked.example\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: plain.example:8o\r\n\r\n",
                "GET http://plain.example/ HTTP/1.1\r\nHost: plain.example\r\n\r\n")) {
            try (Socket s = captured("198.18.0.42", 80)) {
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                assertThat(response(s.getInputStream())).as(request).startsWith("HTTP/1.1 400");
            }
        }
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("blocked.example"));
    }

    @Test
    void tcpByServiceEntryAddressIsRelayedAndServerFirstNeedsNoClientByte() throws Exception {
        int before = bannerConnections.get();
        try (Socket s = captured("198.18.0.20", 5432)) {
            InputStream in = s.getInputStream();
            // the client sends nothing: the registry declares 198.18.0.20:5432 TCP, so no detection wait
            assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("220 banner\r\n");
            s.getOutputStream().write(new byte[]{0, 1, 2, (byte) 0xff});
            assertThat(in.readNBytes(4)).containsExactly(0, 1, 2, (byte) 0xff);
        }
        assertThat(bannerConnections.get()).isGreaterThan(before);
        AccessLogEntry e = rig.awaitLog(x -> x.originalDestination().equals(Optional.of("198.18.0.20:5432"))
                && x.bytesReceived() >= 4);
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.protocol()).isEqualTo("tcp");
        assertThat(e.destinationHost()).isEqualTo("198.18.0.20");
    }

    @Test
    void aOneShotClientsHalfCloseIsRelayedAfterItsBytes() throws Exception {
        try (Socket s = captured("198.18.0.20", 5432)) {
            s.getOutputStream().write("one-shot".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            // the banner, the echo, then the server's close after it saw the client's FIN
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("220 banner\r\none-shot");
        }
        // a half-close before the protocol is known: what was sent ("GE", maybe a request line) is TCP
        try (Socket s = captured("198.18.0.96", 80)) {
            s.getOutputStream().write("GE".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(closedByProxy(s)).isTrue();
        }
        assertThat(awaitLog("198.18.0.96:80", "REGISTRY_ONLY").protocol()).isEqualTo("tcp");
    }

    @Test
    void unknownTcpIsRefusedUnderRegistryOnlyAfterTheDetectionTimeout() throws Exception {
        long t0 = System.nanoTime();
        try (Socket s = captured("198.18.0.99", 5432)) {
            // a server-first client: nothing is sent, the sniffer decides TCP after its timeout, and is refused
            assertThat(closedByProxy(s)).isTrue();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isGreaterThanOrEqualTo(CaptureSniffer.Settings.DEFAULTS.protocolDetectionTimeout().toMillis());
        AccessLogEntry e = awaitLog("198.18.0.99:5432", "REGISTRY_ONLY");
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(e.protocol()).isEqualTo("tcp");
    }

    @Test
    void garbageFirstBytesAreTcpByAddress() throws Exception {
        try (Socket s = captured("198.18.0.98", 5432)) {
            s.getOutputStream().write(new byte[]{0, (byte) 0xfe, 'G', 'E', 'T', ' '});
            assertThat(closedByProxy(s)).isTrue();
        }
        assertThat(awaitLog("198.18.0.98:5432", "REGISTRY_ONLY").protocol()).isEqualTo("tcp");
        // "GET" without its space is no request line yet; "GETX" is none at all
        try (Socket s = captured("198.18.0.97", 80)) {
            s.getOutputStream().write("GETX / HTTP/1.1\r\nHost: plain.example\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(closedByProxy(s)).isTrue();
        }
        assertThat(awaitLog("198.18.0.97:80", "REGISTRY_ONLY").protocol()).isEqualTo("tcp");
        assertThat(rig.upstreamSaw).noneMatch(x -> x.startsWith("GETX"));
    }

    @Test
    void aTruncatedClientHelloThenCloseNeverReachesAnUpstream() throws Exception {
        int before = bannerConnections.get();
        try (Socket s = captured("198.18.0.20", 443)) {
            // a TLS record header announcing 512 bytes, and 4 of them
            s.getOutputStream().write(new byte[]{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc});
            s.getOutputStream().flush();
            Thread.sleep(100);
        }
        AccessLogEntry e = awaitLog("198.18.0.20:443", "before a whole ClientHello");
        assertThat(e.decision()).isEqualTo("error");
        assertThat(bannerConnections.get()).isEqualTo(before);
    }

    @Test
    void aMalformedClientHelloIsRefused() throws Exception {
        try (Socket s = captured("198.18.0.5", 443)) {
            // a handshake record whose message is no ClientHello (type 2, ServerHello)
            s.getOutputStream().write(new byte[]{0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00});
            assertThat(closedByProxy(s)).isTrue();
        }
        assertThat(awaitLog("198.18.0.5:443", "ClientHello").decision()).isIn("refused", "error");
    }

    @Test
    void anSniNamingAnotherHostThanThePinnedAddressIsRefused() throws Exception {
        try (Socket raw = captured("198.18.0.5", 443); SSLSocket s = tls(raw, Optional.of("direct.example"))) {
            assertThatThrownBy(s::startHandshake).isInstanceOf(IOException.class);
        }
        AccessLogEntry e = awaitLog("198.18.0.5:443", "does not match the original destination");
        assertThat(e.reason()).isEqualTo("SNI direct.example does not match the original destination 198.18.0.5, "
                + "which ServiceEntry default/yahoo pins to developer.yahoo.com");
        assertThat(e.decision()).isEqualTo("refused");
    }

    @Test
    void aHostNamingAnotherHostThanThePinnedAddressGets502() throws Exception {
        try (Socket s = captured("198.18.0.5", 80)) {
            String r = get(s.getOutputStream(), s.getInputStream(), "plain.example", "/pinned");
            assertThat(r).startsWith("HTTP/1.1 502").contains("Host header plain.example does not match the "
                    + "original destination 198.18.0.5, which ServiceEntry default/yahoo pins to developer.yahoo.com");
        }
        assertThat(rig.upstreamSaw).noneMatch(x -> x.contains("/pinned"));
    }

    @Test
    void aConnectionWithoutOriginalDestinationIsClosed() throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            s.connect(capture, 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: plain.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(closedByProxy(s)).isTrue();
        }
        rig.awaitLog(x -> x.reason().equals("no original destination (test: none injected)"));
    }

    @Test
    void anOriginalDestinationThatIsTheSidecarItselfIsClosed() throws Exception {
        try (Socket s = captured(capture.getAddress().getHostAddress(), capture.getPort())) {
            assertThat(closedByProxy(s)).isTrue();
        }
        rig.awaitLog(x -> x.reason().contains("is this sidecar's own listener"));
        try (Socket s = captured("127.0.0.1", sidecar.address().getPort())) {
            assertThat(closedByProxy(s)).isTrue();
        }
        rig.awaitLog(x -> x.originalDestination().equals(Optional.of("127.0.0.1:" + sidecar.address().getPort()))
                && x.reason().contains("own listener"));
    }

    @Test
    void aConnectionNobodyRedirectedIsRefusedByTheKernelsAnswer() throws Exception {
        Sidecar kernel = start(OriginalDestination.KERNEL);
        InetSocketAddress at = kernel.captureAddresses().get(0);
        try (Socket s = new Socket()) {
            s.connect(at, 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: plain.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(closedByProxy(s)).isTrue();
        }
        // without conntrack the kernel has no entry (ENOENT); with it, the listener itself is the original destination
        AccessLogEntry e = rig.awaitLog(x -> x.reason().contains("not redirected")
                || x.reason().contains("own listener") && x.originalDestination().equals(
                Optional.of("127.0.0.1:" + at.getPort())));
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(rig.upstreamSaw).noneMatch(x -> x.equals("GET plain.example /"));
    }

    @Test
    void passthroughGoesToTheOriginalDestinationWhichTheAddressGuardJudges() throws Exception {
        snapshot.set(allowAny);
        try {
            // ALLOW_ANY: an unknown SNI is PassthroughCluster, i.e. the original destination, here loopback
            try (Socket raw = captured("127.0.0.1", rig.tlsPort());
                 SSLSocket s = tls(raw, Optional.of("unknown.example"))) {
                assertThatThrownBy(s::startHandshake).isInstanceOf(IOException.class);
            }
            AccessLogEntry e = awaitLog("127.0.0.1:" + rig.tlsPort(), "address guard");
            assertThat(e.reason()).contains("[loopback]").contains("was captured on its way to 127.0.0.1:"
                    + rig.tlsPort()).contains("only --allow-destination-cidr");
            assertThat(e.decision()).isEqualTo("refused");
            assertThat(e.route()).isEqualTo("PassthroughCluster");
        } finally {
            snapshot.set(registryOnly);
        }
    }

    /**
     * Through the egress gateway, as a CONNECT goes: mTLS to the gateway with the route's SNI, the application's
     * ClientHello replayed inside; and plain HTTP sent to the gateway's HTTP server, which originates TLS. The
     * tutorial's fake snapshot routes developers.google.com so.
     */
    @Test
    void allowedConnectionsGoThroughTheEgressGatewayAsTheExplicitProxysDo() throws Exception {
        rig.startGateway();
        List<String> connectTo = new java.util.ArrayList<>();
        rig.gateway.listeners().forEach((port, a) -> connectTo.add(Rig.GW_HOST + ":" + port + ":127.0.0.1:"
                + a.getPort()));
        SidecarSettings settings = SidecarSettings.defaults(Rig.DEFAULT_SLEEP, rig.mesh.identity(rig.mesh.workload(
                        Rig.TD, "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(List.of(), connectTo))
                .withAccessLog(rig.log::add)
                .withIoThreads(2)
                .withCapture(Optional.of(0));
        Sidecar viaGateway = Sidecar.start(settings, rig.snapshot::get, ch -> originals.get(
                ((InetSocketAddress) ch.remoteAddress()).getPort()), CaptureSniffer.Settings.DEFAULTS);
        rig.sidecars.add(viaGateway);
        InetSocketAddress at = viaGateway.captureAddresses().get(0);
        try (Socket raw = capturedAt(at, "198.18.0.50", 443); SSLSocket s = tls(raw, Optional.of(Rig.GOOGLE))) {
            s.startHandshake();
            assertThat(get(s.getOutputStream(), s.getInputStream(), Rig.GOOGLE, "/captured-via-gateway"))
                    .startsWith("HTTP/1.1 200").contains("hello GET " + Rig.GOOGLE + " /captured-via-gateway");
        }
        try (Socket s = capturedAt(at, "198.18.0.50", 80)) {
            assertThat(get(s.getOutputStream(), s.getInputStream(), Rig.GOOGLE, "/captured-http-via-gateway"))
                    .startsWith("HTTP/1.1 200").contains("/captured-http-via-gateway");
        }
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("sidecar") && x.protocol().equals("tunnel")
                && x.originalDestination().equals(Optional.of("198.18.0.50:443")) && x.bytesSent() > 0);
        assertThat(e.reason()).startsWith("tunnel via the egress gateway");
        rig.awaitLog(x -> x.proxy().startsWith("gateway") && x.sni().equals(Optional.of(Rig.GOOGLE))
                && x.decision().equals("allowed"));
    }

    static Socket capturedAt(InetSocketAddress listener, String ip, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        originals.put(s.getLocalPort(), new InetSocketAddress(java.net.InetAddress.getByName(ip), port));
        s.connect(listener, 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void theIpv6LoopbackListenerCapturesToo() throws Exception {
        assumeTrue(sidecar.captureAddresses().size() == 2, "this host has no IPv6 loopback: "
                + sidecar.captureAddresses());
        InetSocketAddress v6 = sidecar.captureAddresses().get(1);
        assertThat(v6.getAddress()).isInstanceOf(java.net.Inet6Address.class);
        assertThat(v6.getPort()).isEqualTo(capture.getPort());
        Socket s = new Socket();
        s.bind(new InetSocketAddress("::1", 0));
        originals.put(s.getLocalPort(), new InetSocketAddress("198.18.0.43", 80));
        try (s) {
            s.connect(v6, 5000);
            s.setSoTimeout(10_000);
            assertThat(get(s.getOutputStream(), s.getInputStream(), "plain.example", "/over-v6"))
                    .startsWith("HTTP/1.1 200").contains("/over-v6");
        }
        // and the kernel's IPv6 answer (IP6T_SO_ORIGINAL_DST) for a connection nobody redirected: closed
        Sidecar kernel = start(OriginalDestination.KERNEL);
        InetSocketAddress kv6 = kernel.captureAddresses().get(1);
        try (Socket k = new Socket()) {
            k.connect(kv6, 5000);
            k.setSoTimeout(10_000);
            k.getOutputStream().write("GET / HTTP/1.1\r\nHost: plain.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(closedByProxy(k)).isTrue();
        }
        rig.awaitLog(x -> x.decision().equals("refused") && (x.reason().contains("not redirected")
                || x.originalDestination().equals(Optional.of("[::1]:" + kv6.getPort()))));
    }

    @Test
    void theCaptureListenerListensOnLoopbackOnly() {
        assertThat(sidecar.captureAddresses()).isNotEmpty().allSatisfy(a ->
                assertThat(a.getAddress().isLoopbackAddress()).isTrue());
        assertThat(sidecar.ready()).isTrue();
    }
}
