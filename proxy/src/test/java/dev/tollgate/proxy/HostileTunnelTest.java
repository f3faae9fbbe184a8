package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Byte-exact tunnels through the real listeners (issue 6, 1.2, 1.3, 1.8 and the maximum tunnel lifetime): the
 * sidecar's direct CONNECT (relay and opt-in splice), the sidecar → gateway mTLS leg, and the gateway's tunnels.
 * The upstream is a raw TCP peer that records every byte it gets; the client speaks raw TCP after a real
 * ClientHello, so that each close order can be driven exactly. Each case compares SHA-256 both ways, the access
 * log's byte counts and reason, and (LeakCheck) that no buffer leaked; open connections must drop to zero.
 */
// a hung socket write cannot be interrupted: the timeout runs the test on its own thread
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileTunnelTest {
    static final String BULK = "bulk.example";
    static final int MIB = 1024 * 1024;

    static Rig rig;
    static TcpPeer up;
    static Sidecar copying;
    static Sidecar spliced;
    static int wwwPort;
    static final List<AccessLogEntry> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    static final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        up = new TcpPeer();
        rig.sidecarHosts.add(BULK + ":443:127.0.0.1:" + up.port());
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            wwwPort = s.getLocalPort();
        }
        rig.sidecarHosts.add("www.example:443:127.0.0.1:" + wwwPort);
        rig.gatewayUpstreamPort = up.port();
        rig.startGateway();
        copying = sidecar(false, Duration.ZERO);
        spliced = sidecar(true, Duration.ZERO);
    }

    @AfterAll
    static void stop() throws Exception {
        up.close();
        rig.close();
        pool.shutdownNow();
    }

    /** A loopback TCP server whose accepted sockets the test drives by hand. */
    static final class TcpPeer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

        TcpPeer() throws IOException {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        accepted.add(server.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "tcp-peer");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        Socket accept() throws Exception {
            Socket s = accepted.poll(20, TimeUnit.SECONDS);
            assertThat(s).as("the proxy connected to the upstream").isNotNull();
            s.setSoTimeout(60_000);
            return s;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** A real ClientHello for {@code sni}, as the first flight of a JDK TLS client. */
    static byte[] clientHello(String sni) throws Exception {
        SSLEngine e = SSLContext.getDefault().createSSLEngine(sni, 443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        e.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return b;
    }

    static byte[] connectHead(String host) {
        return ("CONNECT " + host + ":443 HTTP/1.1\r\nHost: " + host + ":443\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A tunnel up to the point where the upstream has received the ClientHello. */
    record Open(Socket client, Socket upstream, int hello) {
        String source() {
            return "127.0.0.1:" + client.getLocalPort();
        }
    }

    static Open open(Sidecar via, String host, boolean oneWrite) throws Exception {
        byte[] hello = clientHello(host);
        Socket c = new Socket("127.0.0.1", via.address().getPort());
        c.setSoTimeout(60_000);
        OutputStream o = c.getOutputStream();
        if (oneWrite) {
            o.write(concat(connectHead(host), hello));
            assertThat(SidecarTest.readHead(c.getInputStream())).startsWith("HTTP/1.1 200 Connection established");
        } else {
            o.write(connectHead(host));
            assertThat(SidecarTest.readHead(c.getInputStream())).startsWith("HTTP/1.1 200 Connection established");
            o.write(hello);
        }
        o.flush();
        Socket u = up.accept();
        assertThat(u.getInputStream().readNBytes(hello.length)).as("the ClientHello, unchanged").isEqualTo(hello);
        return new Open(c, u, hello.length);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    record Digest(long bytes, String sha256) {
    }

    /** Writes {@code n} pseudo-random bytes (from {@code seed}) and returns their digest. */
    static Digest send(Socket s, long n, long seed) throws Exception {
        Random r = new Random(seed);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] b = new byte[64 * 1024];
        OutputStream o = s.getOutputStream();
        long left = n;
        while (left > 0) {
            int k = (int) Math.min(b.length, left);
            r.nextBytes(b);
            md.update(b, 0, k);
            o.write(b, 0, k);
            left -= k;
        }
        o.flush();
        return new Digest(n, HexFormat.of().formatHex(md.digest()));
    }

    /** Reads to EOF (a reset after some bytes counts as the end) and returns what arrived. */
    static Digest receive(Socket s) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] b = new byte[64 * 1024];
        InputStream in = s.getInputStream();
        long n = 0;
        try {
            int k;
            while ((k = in.read(b)) >= 0) {
                md.update(b, 0, k);
                n += k;
            }
        } catch (java.net.SocketException reset) {
            // what was read before the reset counts
        }
        return new Digest(n, HexFormat.of().formatHex(md.digest()));
    }

    static Digest expected(long n, long seed) throws Exception {
        try (Socket sink = new NullSocket()) {
            return send(sink, n, seed);
        }
    }

    /** A socket whose output goes nowhere: computes what {@link #send} would digest. */
    static final class NullSocket extends Socket {
        @Override
        public OutputStream getOutputStream() {
            return OutputStream.nullOutputStream();
        }
    }

    <T> CompletableFuture<T> async(java.util.concurrent.Callable<T> c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, pool);
    }

    static AccessLogEntry tunnelLog(Open t) throws InterruptedException {
        return rig.awaitLog(x -> x.protocol().equals("tunnel") && x.sourceAddress().equals(t.source()));
    }

    /** The sidecar's open client connections, from its /metrics, must come back to zero. */
    static void awaitNoOpenConnections(ProxyHandle p) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        double open = -1;
        while (System.nanoTime() < until) {
            String m = Rig.get(HttpClient.newHttpClient(),
                    "http://127.0.0.1:" + p.adminAddress().orElseThrow().getPort() + "/metrics").body();
            open = CertificateMetricsTest.value(m, "tollgate_connections_active");
            if (open == 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("connections still open: " + open);
    }

    enum Order { UPSTREAM_FIRST, CLIENT_FIRST, BOTH_HALF_CLOSE }

    /**
     * splice(2) is off by default in the product because these cases fail with it (its tail is lost: 0.07-3 MB
     * short of 5-64 MB transfers, and curl's 5 MB download fails). {@code -Dtunnel.splice=true} adds it to every
     * parameterized case here, to prove it lossless before anyone turns it back on.
     */
    static final boolean SPLICE = Boolean.getBoolean("tunnel.splice");

    static Stream<Arguments> matrix() {
        List<Arguments> all = new ArrayList<>();
        long[] sizes = {0, 1, MIB - 1, MIB + 1, 5_000_000, 64L * MIB};
        // -Dtunnel.only=copy,UPSTREAM_FIRST,5000000 (every part must match) runs a slice, for debugging
        List<String> only = List.of(System.getProperty("tunnel.only", "").split(","));
        for (boolean splice : SPLICE ? new boolean[]{false, true} : new boolean[]{false}) {
            for (Order order : Order.values()) {
                for (long size : sizes) {
                    List<String> labels = List.of(splice ? "splice" : "copy", order.name(), Long.toString(size));
                    if (!only.equals(List.of("")) && !labels.containsAll(only)) {
                        continue;
                    }
                    all.add(Arguments.of(splice ? "splice" : "copy", order, size));
                }
            }
        }
        return all.stream();
    }

    /**
     * Every size, both ways, in each close order, copied and spliced: the bytes and their SHA-256 arrive whole, the
     * EOF of each side reaches the other only after its last byte, and the other direction goes on after it.
     */
    @ParameterizedTest(name = "{0} {1} {2} bytes each way")
    @MethodSource("matrix")
    void bytesArriveWholeInEveryCloseOrder(String mode, Order order, long size) throws Exception {
        boolean splice = mode.equals("splice");
        Open t = open(splice ? spliced : copying, BULK, false);
        long down = 1000 + size;
        long upSeed = 2000 + size;
        Digest toClient;
        Digest toUpstream;
        switch (order) {
            case UPSTREAM_FIRST -> {
                var got = async(() -> receive(t.client()));
                send(t.upstream(), size, down);
                t.upstream().shutdownOutput();
                toClient = got.get(120, TimeUnit.SECONDS);
                // the client's direction is still open after the upstream's FIN
                var gotUp = async(() -> receive(t.upstream()));
                send(t.client(), size, upSeed);
                t.client().shutdownOutput();
                toUpstream = gotUp.get(120, TimeUnit.SECONDS);
            }
            case CLIENT_FIRST -> {
                var gotUp = async(() -> receive(t.upstream()));
                send(t.client(), size, upSeed);
                t.client().shutdownOutput();
                toUpstream = gotUp.get(120, TimeUnit.SECONDS);
                var got = async(() -> receive(t.client()));
                send(t.upstream(), size, down);
                t.upstream().shutdownOutput();
                toClient = got.get(120, TimeUnit.SECONDS);
            }
            default -> {
                var got = async(() -> receive(t.client()));
                var gotUp = async(() -> receive(t.upstream()));
                var a = async(() -> {
                    send(t.upstream(), size, down);
                    t.upstream().shutdownOutput();
                    return 0;
                });
                send(t.client(), size, upSeed);
                t.client().shutdownOutput();
                a.get(120, TimeUnit.SECONDS);
                toClient = got.get(120, TimeUnit.SECONDS);
                toUpstream = gotUp.get(120, TimeUnit.SECONDS);
            }
        }
        t.client().close();
        t.upstream().close();
        assertThat(toClient).as("upstream → client").isEqualTo(expected(size, down));
        assertThat(toUpstream).as("client → upstream").isEqualTo(expected(size, upSeed));
        AccessLogEntry e = tunnelLog(t);
        assertThat(e.decision()).isEqualTo("allowed");
        switch (order) {
            case UPSTREAM_FIRST -> assertThat(e.reason()).startsWith("tunnel; upstream closed first");
            case CLIENT_FIRST -> assertThat(e.reason()).startsWith("tunnel; client closed first");
            default -> assertThat(e.reason()).matches("tunnel; (client|upstream) closed first.*");
        }
        assertThat(e.reason()).doesNotContain("not delivered");
        if (splice && e.reason().endsWith("(spliced)")) {
            // splice(2) reports progress per 32 KiB chunk: the counts are exact only to a chunk each way
            assertThat(e.bytesSent()).isBetween(size - Splice.CHUNK, size);
            assertThat(e.bytesReceived()).isBetween(t.hello() + size - Splice.CHUNK, t.hello() + size);
        } else {
            assertThat(e.bytesSent()).isEqualTo(size);
            assertThat(e.bytesReceived()).isEqualTo(t.hello() + size);
        }
        awaitNoOpenConnections(splice ? spliced : copying);
    }

    /**
     * The upstream writes 8 MB and closes its socket at once while the client is not reading yet: everything in
     * flight still reaches the client (issue 1.2's lost tail), for the copying and the spliced relay.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void anUpstreamThatClosesRightAfterItsLastByteLosesNothing(String mode) throws Exception {
        Sidecar via = mode.equals("splice") ? spliced : copying;
        Open t = open(via, BULK, false);
        long n = 8_000_000;
        send(t.upstream(), n, 7);
        t.upstream().close();
        Thread.sleep(500);
        Digest got = receive(t.client());
        t.client().close();
        assertThat(got).isEqualTo(expected(n, 7));
        AccessLogEntry e = tunnelLog(t);
        assertThat(e.reason()).startsWith("tunnel; upstream closed first");
        if (!e.reason().endsWith("(spliced)")) {
            assertThat(e.bytesSent()).isEqualTo(n);
        }
        awaitNoOpenConnections(via);
    }

    static Stream<String> modes() {
        return SPLICE ? Stream.of("copy", "splice") : Stream.of("copy");
    }

    /**
     * The client uploads 8 MB and closes its socket at once while the upstream is slow to read: every byte reaches
     * the upstream before its EOF (issue 1.3: the upstream was closed with writes still queued), and the access
     * log counts the bytes delivered.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void anUploadWhoseClientClosesAtOnceArrivesWhole(String mode) throws Exception {
        Sidecar via = mode.equals("splice") ? spliced : copying;
        Open t = open(via, BULK, false);
        long n = 8_000_000;
        var sent = async(() -> {
            Digest d = send(t.client(), n, 8);
            t.client().close();
            return d;
        });
        Thread.sleep(500);
        Digest got = receive(t.upstream());
        sent.get(60, TimeUnit.SECONDS);
        t.upstream().close();
        assertThat(got).isEqualTo(expected(n, 8));
        AccessLogEntry e = tunnelLog(t);
        assertThat(e.reason()).startsWith("tunnel; client closed first");
        if (!e.reason().endsWith("(spliced)")) {
            assertThat(e.bytesReceived()).isEqualTo(t.hello() + n);
        }
        awaitNoOpenConnections(via);
    }

    /** Issue 1.8: CONNECT and the ClientHello in one write; a real TLS session then runs end to end. */
    @Test
    void aClientHelloInTheSameSegmentAsTheConnectReachesTheGate() throws Exception {
        ConnectFirst raw = new ConnectFirst(connectHead("direct.example"));
        raw.connect(copying.address());
        raw.setSoTimeout(20_000);
        SSLSocket tls = (SSLSocket) rig.publicCa.sslContext(null).getSocketFactory()
                .createSocket(raw, "direct.example", 443, true);
        long started = System.nanoTime();
        tls.startHandshake();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no wait for a ClientHello that was swallowed")
                .isLessThan(Duration.ofSeconds(5));
        OutputStream o = tls.getOutputStream();
        o.write("GET /big HTTP/1.1\r\nHost: direct.example\r\nConnection: close\r\n\r\n".getBytes());
        o.flush();
        InputStream in = tls.getInputStream();
        String head = SidecarTest.readHead(in);
        assertThat(head).startsWith("HTTP/1.1 200");
        assertThat(in.readNBytes(Rig.BIG)).isEqualTo(Rig.big());
        tls.close();
        assertThat(raw.firstWrite).as("CONNECT and ClientHello went in one write").isGreaterThan(connectHead("x").length);
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel")
                && x.sourceAddress().equals("127.0.0.1:" + raw.getLocalPort()));
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.sni()).contains("direct.example");
        assertThat(e.bytesSent()).isGreaterThan(Rig.BIG);
        assertThat(rig.upstreamSaw).contains("GET direct.example /big");
    }

    /** A socket that sends the CONNECT head with its first write and hides the 200 from the TLS layer above. */
    static final class ConnectFirst extends Socket {
        final byte[] head;
        int firstWrite;
        private OutputStream out;
        private InputStream in;

        ConnectFirst(byte[] head) {
            this.head = head;
        }

        void connect(InetSocketAddress a) throws IOException {
            super.connect(a, 10_000);
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) {
                out = new FilterOutputStream(super.getOutputStream()) {
                    boolean first = true;

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (first) {
                            first = false;
                            byte[] all = concat(head, java.util.Arrays.copyOfRange(b, off, off + len));
                            firstWrite = all.length;
                            out.write(all);
                            return;
                        }
                        out.write(b, off, len);
                    }
                };
            }
            return out;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                InputStream raw = super.getInputStream();
                in = new FilterInputStream(raw) {
                    boolean headRead;

                    private void skipHead() throws IOException {
                        if (!headRead) {
                            headRead = true;
                            String h = SidecarTest.readHead(raw);
                            if (!h.startsWith("HTTP/1.1 200")) {
                                throw new IOException("CONNECT refused: " + h);
                            }
                        }
                    }

                    @Override
                    public int read() throws IOException {
                        skipHead();
                        return super.read();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        skipHead();
                        return super.read(b, off, len);
                    }
                };
            }
            return in;
        }
    }

    /**
     * CONNECT, ClientHello, a request and the client's FIN all in one write (a client that sends and then
     * half-closes): the upstream gets every byte and then EOF, and its answer still reaches the client.
     */
    @Test
    void everythingInOneWriteThenAHalfCloseIsRelayedExactly() throws Exception {
        byte[] hello = clientHello(BULK);
        byte[] body = new byte[100_000];
        new Random(9).nextBytes(body);
        Socket c = new Socket("127.0.0.1", copying.address().getPort());
        c.setSoTimeout(30_000);
        c.getOutputStream().write(concat(concat(connectHead(BULK), hello), body));
        c.shutdownOutput();
        Socket u = up.accept();
        byte[] got = u.getInputStream().readAllBytes();
        assertThat(new Digest(got.length, sha(got))).isEqualTo(new Digest(hello.length + body.length,
                sha(concat(hello, body))));
        send(u, 300_000, 10);
        u.close();
        assertThat(SidecarTest.readHead(c.getInputStream())).startsWith("HTTP/1.1 200");
        assertThat(receive(c)).isEqualTo(expected(300_000, 10));
        c.close();
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel")
                && x.sourceAddress().equals("127.0.0.1:" + c.getLocalPort()));
        assertThat(e.reason()).isEqualTo("tunnel; client closed first");
        assertThat(e.bytesReceived()).isEqualTo(hello.length + body.length);
        assertThat(e.bytesSent()).isEqualTo(300_000);
    }

    /** Upstream misbehaviour: a reset mid-stream. The client gets what came before it, then the end; the log says so. */
    @Test
    void anUpstreamResetMidStreamEndsTheTunnelWithTheBytesBeforeIt() throws Exception {
        Open t = open(copying, BULK, false);
        send(t.upstream(), 200_000, 11);
        assertThat(t.client().getInputStream().readNBytes(200_000)).hasSize(200_000);
        t.upstream().setSoLinger(true, 0);
        t.upstream().close();
        assertThat(receive(t.client()).bytes()).as("nothing after the reset").isZero();
        t.client().close();
        AccessLogEntry e = tunnelLog(t);
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.reason()).isEqualTo("tunnel; upstream reset the connection");
        assertThat(e.bytesSent()).isEqualTo(200_000);
        awaitNoOpenConnections(copying);
    }

    /** A client reset mid-upload: the upstream gets exactly what came before it, then EOF. */
    @Test
    void aClientResetMidUploadDeliversTheBytesBeforeIt() throws Exception {
        Open t = open(copying, BULK, false);
        Digest sent = send(t.client(), 300_000, 12);
        byte[] first = t.upstream().getInputStream().readNBytes(300_000);
        assertThat(first).hasSize(300_000);
        t.client().setSoLinger(true, 0);
        t.client().close();
        assertThat(t.upstream().getInputStream().read()).as("EOF after the reset").isEqualTo(-1);
        t.upstream().close();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        assertThat(HexFormat.of().formatHex(md.digest(first))).isEqualTo(sent.sha256());
        AccessLogEntry e = tunnelLog(t);
        assertThat(e.reason()).isEqualTo("tunnel; client reset the connection");
        assertThat(e.bytesReceived()).isEqualTo(t.hello() + 300_000);
        awaitNoOpenConnections(copying);
    }

    /** A FIN in the middle of the ClientHello: refused with its reason, and the upstream gets nothing. */
    @Test
    void aHalfClosedPartialClientHelloIsRefusedAndNothingIsForwarded() throws Exception {
        byte[] hello = clientHello(BULK);
        try (Socket c = new Socket("127.0.0.1", copying.address().getPort())) {
            c.setSoTimeout(20_000);
            c.getOutputStream().write(connectHead(BULK));
            assertThat(SidecarTest.readHead(c.getInputStream())).startsWith("HTTP/1.1 200");
            c.getOutputStream().write(hello, 0, hello.length / 2);
            c.shutdownOutput();
            assertThat(c.getInputStream().read()).isEqualTo(-1);
            Socket u = up.accept();
            assertThat(u.getInputStream().readAllBytes()).as("forwarded before the ClientHello was checked").isEmpty();
            u.close();
            AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel")
                    && x.sourceAddress().equals("127.0.0.1:" + c.getLocalPort()));
            assertThat(e.decision()).isEqualTo("error");
            assertThat(e.reason()).isEqualTo("client closed the tunnel before a whole ClientHello");
            assertThat(e.bytesReceived()).isZero();
        }
    }

    /** Through the gateway (mTLS leg): a download whose upstream closes first arrives whole, with close_notify. */
    @Test
    void throughTheGatewayADownloadEndedByTheUpstreamArrivesWhole() throws Exception {
        Open t = open(copying, Rig.GOOGLE, false);
        Digest upload = send(t.client(), MIB + 3, 13);
        Digest gotUp = new Digest(MIB + 3, sha(t.upstream().getInputStream().readNBytes(MIB + 3)));
        assertThat(gotUp).isEqualTo(upload);
        var got = async(() -> receive(t.client()));
        send(t.upstream(), 6_000_000, 14);
        t.upstream().shutdownOutput();
        assertThat(got.get(60, TimeUnit.SECONDS)).isEqualTo(expected(6_000_000, 14));
        t.client().close();
        assertThat(t.upstream().getInputStream().read()).isEqualTo(-1);
        t.upstream().close();
        AccessLogEntry side = tunnelLog(t);
        assertThat(side.reason()).isEqualTo("tunnel via the egress gateway; upstream closed first");
        assertThat(side.bytesSent()).isEqualTo(6_000_000);
        assertThat(side.bytesReceived()).isEqualTo(t.hello() + MIB + 3);
        AccessLogEntry gw = rig.awaitLog(x -> x.protocol().equals("tcp") && x.bytesSent() == 6_000_000);
        assertThat(gw.reason()).isEqualTo("forwarded; upstream closed first");
        assertThat(gw.bytesReceived()).isEqualTo(t.hello() + MIB + 3);
        awaitNoOpenConnections(copying);
        awaitNoOpenConnections(rig.gateway);
    }

    /** Through the gateway: an upload whose client closes at once reaches the upstream whole (issue 1.3). */
    @Test
    void throughTheGatewayAnUploadWhoseClientClosesAtOnceArrivesWhole() throws Exception {
        Open t = open(copying, Rig.GOOGLE, false);
        long n = 7_000_000;
        var sent = async(() -> {
            Digest d = send(t.client(), n, 15);
            t.client().close();
            return d;
        });
        Thread.sleep(300);
        assertThat(receive(t.upstream())).isEqualTo(expected(n, 15));
        sent.get(60, TimeUnit.SECONDS);
        t.upstream().close();
        AccessLogEntry side = tunnelLog(t);
        assertThat(side.reason()).isEqualTo("tunnel via the egress gateway; client closed first");
        assertThat(side.bytesReceived()).isEqualTo(t.hello() + n);
        AccessLogEntry gw = rig.awaitLog(x -> x.protocol().equals("tcp") && x.bytesReceived() == t.hello() + n);
        assertThat(gw.reason()).isEqualTo("forwarded; client closed first");
        awaitNoOpenConnections(copying);
        awaitNoOpenConnections(rig.gateway);
    }

    /**
     * The documented limit of the mTLS leg: a client's half-close travels as close_notify, after which Netty's
     * OpenSSL engine at the gateway sends nothing more, so the upstream's later answer is dropped there and the
     * gateway's log says how many bytes were not delivered (a direct tunnel carries it: see the matrix).
     */
    @Test
    void throughTheGatewayAClientHalfCloseEndsTheMeshLegAndTheLogSaysWhatWasDropped() throws Exception {
        Open t = open(copying, Rig.GOOGLE, false);
        Digest upload = send(t.client(), 50_000, 16);
        t.client().shutdownOutput();
        assertThat(receive(t.upstream())).isEqualTo(upload);
        try {
            send(t.upstream(), 40_000, 17);
        } catch (java.net.SocketException closed) {
            // the gateway may already have closed: nothing was delivered either way
        }
        t.upstream().close();
        assertThat(receive(t.client()).bytes()).isZero();
        t.client().close();
        AccessLogEntry gw = rig.awaitLog(x -> x.protocol().equals("tcp") && x.bytesReceived() == t.hello() + 50_000);
        assertThat(gw.reason()).startsWith("forwarded; client closed first");
        assertThat(gw.bytesSent()).isZero();
        AccessLogEntry side = tunnelLog(t);
        assertThat(side.bytesSent()).isZero();
        assertThat(side.bytesReceived()).isEqualTo(t.hello() + 50_000);
    }

    /** A sidecar as Rig starts them, with the tunnel settings under test. */
    static Sidecar sidecar(boolean splice, Duration maxLifetime) throws Exception {
        List<String> connectTo = new ArrayList<>(rig.sidecarHosts);
        rig.gateway.listeners().forEach((port, a) ->
                connectTo.add(Rig.GW_HOST + ":" + port + ":127.0.0.1:" + a.getPort()));
        connectTo.add("direct.example:443:127.0.0.1:" + rig.tlsPort());
        Sidecar s = Sidecar.start(SidecarSettings.defaults(Rig.DEFAULT_SLEEP,
                        rig.mesh.identity(rig.mesh.workload(Rig.TD, "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(List.of(), connectTo))
                .withCaBundle(Optional.of(rig.publicRoot))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                .withAccessLog(rig.log::add)
                .withIoThreads(2)
                .withSplice(splice)
                .withMaxTunnelLifetime(maxLifetime), rig.snapshot::get);
        rig.sidecars.add(s);
        return s;
    }

    /** The maximum tunnel lifetime closes a busy tunnel, with its reason and metric. */
    @Test
    void aTunnelIsClosedAtTheMaximumLifetimeEvenWhileBusy() throws Exception {
        Sidecar limited = sidecar(false, Duration.ofSeconds(1));
        Open t = open(limited, BULK, false);
        long started = System.nanoTime();
        var got = async(() -> receive(t.client()));
        long sent = 0;
        try {
            while (!got.isDone() && System.nanoTime() - started < Duration.ofSeconds(10).toNanos()) {
                t.upstream().getOutputStream().write(new byte[1000]);
                sent += 1000;
                Thread.sleep(50);
            }
        } catch (java.net.SocketException closed) {
            // the proxy closed the upstream side too
        }
        Digest d = got.get(10, TimeUnit.SECONDS);
        Duration lived = Duration.ofNanos(System.nanoTime() - started);
        t.client().close();
        t.upstream().close();
        assertThat(lived).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        assertThat(d.bytes()).isPositive().isLessThanOrEqualTo(sent);
        AccessLogEntry e = tunnelLog(t);
        assertThat(e.reason()).isEqualTo("tunnel; max tunnel lifetime 1s reached");
        assertThat(e.bytesSent()).isEqualTo(d.bytes());
        String m = Rig.get(HttpClient.newHttpClient(),
                "http://127.0.0.1:" + limited.adminAddress().orElseThrow().getPort() + "/metrics").body();
        assertThat(m).containsPattern("tollgate_limit_rejections_total\\{[^}]*limit=\"max_tunnel_lifetime\"[^}]*} 1\\.0");
        awaitNoOpenConnections(limited);
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /**
     * Real curl and an HTTP/1.0 server that ends its body by closing ({@code openssl s_server -WWW}): a 5 MB
     * download through a direct tunnel arrives whole, copied and spliced (issue 1.2: curl exit 18 with splice).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void curlDownloadsFiveMegabytesFromAnHttp10ServerThroughATunnel(String mode) throws Exception {
        Sidecar via = mode.equals("splice") ? spliced : copying;
        Path dir = Files.createTempDirectory(rig.dir, "www");
        byte[] file = new byte[5_000_000];
        new Random(18).nextBytes(file);
        Files.write(dir.resolve("file.bin"), file);
        CertifiedKey key = rig.publicCa.server("www.example");
        Path cert = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Files.writeString(cert, pem("CERTIFICATE", key.chain().getFirst().getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.key().getEncoded()));
        int port = wwwPort;
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert",
                cert.toString(), "-key", keyPem.toString(), "-WWW", "-quiet")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("s_server.log").toFile())
                .start();
        try {
            awaitPort(port);
            Path out = dir.resolve("out.bin");
            CurlEndToEndTest.Curl c = curl(via, "-o", out.toString(), "https://www.example/file.bin");
            assertThat(c.exit()).as("curl: " + c.err()).isZero();
            assertThat(sha(Files.readAllBytes(out))).isEqualTo(sha(file));
            AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.destinationHost().equals("www.example")
                    && x.bytesSent() > file.length && !seen.contains(x));
            seen.add(e);
            assertThat(e.decision()).isEqualTo("allowed");
            assertThat(e.bytesSent()).isGreaterThan(file.length);
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Real curl uploads 20 MB through a direct tunnel; the stand-in counts every byte. */
    @Test
    void curlUploadsTwentyMegabytesThroughATunnel() throws Exception {
        Path f = Files.createTempFile(rig.dir, "upload", ".bin");
        byte[] body = new byte[20_000_000];
        new Random(19).nextBytes(body);
        Files.write(f, body);
        CurlEndToEndTest.Curl c = curl(copying, "--data-binary", "@" + f, "https://direct.example/upload20");
        assertThat(c.exit()).as("curl: " + c.err()).isZero();
        assertThat(c.out()).contains("hello POST direct.example /upload20 body=" + body.length);
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.destinationHost().equals("direct.example")
                && x.bytesReceived() > body.length);
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.reason()).startsWith("tunnel; ");
    }

    static CurlEndToEndTest.Curl curl(Sidecar via, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-x",
                "http://127.0.0.1:" + via.address().getPort(), "--cacert", rig.publicRoot.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        Process p = pb.start();
        p.getOutputStream().close();
        var out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()), pool);
        String err = readAll(p.getErrorStream());
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return new CurlEndToEndTest.Curl(p.exitValue(), out.get(), err);
    }

    static String readAll(InputStream in) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static void awaitPort(int port) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("openssl s_server did not listen on " + port);
    }
}
