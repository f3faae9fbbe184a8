package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.Upstream;
import dev.tollgate.core.model.UpstreamTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.tollgate.proxy.ClientHelloTest.concat;
import static dev.tollgate.proxy.ClientHelloTest.handshake;
import static dev.tollgate.proxy.ClientHelloTest.hello;
import static dev.tollgate.proxy.ClientHelloTest.helloBody;
import static dev.tollgate.proxy.ClientHelloTest.realHello;
import static dev.tollgate.proxy.ClientHelloTest.record;
import static dev.tollgate.proxy.ClientHelloTest.sniExtension;
import static dev.tollgate.proxy.ClientHelloTest.u16;
import static dev.tollgate.proxy.HostileIdentityTest.ALLOWED;
import static dev.tollgate.proxy.HostileIdentityTest.DENIED;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ClientHello shapes against the two places that read one: the sidecar's CONNECT tunnels ({@code ClientHelloGate})
 * and the gateway's PASSTHROUGH servers ({@code SniPeek}). Shapes a real TLS stack may produce (a hello in one-byte
 * segments, over several records, larger than a record, with ECH) must pass byte-exact; lies about lengths, SSLv2
 * hellos and interleaved records must close the connection with a reason and without a byte reaching the upstream.
 *
 * <p>ECH: the inner ClientHello's server name is encrypted, so only the outer SNI can be checked. Tollgate checks it
 * and lets the extension through: Chrome sends a GREASE encrypted_client_hello extension in every hello, which no one
 * on the path can tell from a real one, so refusing ECH would refuse every such browser. What the inner name can reach
 * is bounded the same way as a Host header inside TLS: by the upstream the outer name was allowed to.
 */
class HostileClientHelloTest {
    /** The gateway's PASSTHROUGH server port in this test's snapshot. */
    static final int PASSTHROUGH = 8443;

    static Rig rig;
    static RawUpstream allowedTls;
    static RawUpstream trapTls;
    static RawUpstream googleTls;
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        allowedTls = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server(ALLOWED))),
                RawUpstream.answering("allowed over tls"));
        trapTls = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server(DENIED))),
                RawUpstream.answering("trap"));
        googleTls = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server(Rig.GOOGLE))),
                RawUpstream.answering("google over tls"));
        List<GatewayListener> listeners = new ArrayList<>(Rig.LISTENERS);
        listeners.add(new GatewayListener(PASSTHROUGH, new GatewayServerKind(PortProtocol.TLS, ServerTlsMode.PASSTHROUGH), List.of(Rig.GOOGLE), List.of()));
        rig.snapshot.set(new FakeSnapshot(HostileIdentityTest::outbound, listeners, HostileClientHelloTest::gateway));
        rig.gatewayUpstreamPort = googleTls.port();
        rig.startGateway();
        rig.sidecarHosts.addAll(List.of(ALLOWED + ":443:127.0.0.1:" + allowedTls.port(),
                DENIED + ":443:127.0.0.1:" + trapTls.port()));
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP);
    }

    /** The passthrough server forwards developers.google.com by SNI and nothing else. */
    static GatewayDecision gateway(WorkloadRef gw, GatewayRequest r) {
        if (r.port() == PASSTHROUGH && r.sni().equals(Optional.of(Rig.GOOGLE))) {
            return new GatewayDecision.Forward(new Upstream(Rig.GOOGLE, 443, List.of(), UpstreamTls.NONE),
                    "VirtualService istio-system/passthrough tls[0]", List.of());
        }
        return new GatewayDecision.Denied(Optional.empty(), "no ALLOW policy matched", List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
        for (RawUpstream u : List.of(allowedTls, trapTls, googleTls)) {
            u.close();
        }
    }

    @AfterEach
    void theTrapNeverSawAConnection() {
        assertThat(trapTls.connections()).isEmpty();
    }

    // ---- shapes a real client may send: the handshake must complete through the tunnel ----

    /** Splits a TLS record's fragment into records of at most {@code size} bytes. */
    static byte[] rerecord(byte[] rec, int size) {
        byte[] fragment = Arrays.copyOfRange(rec, 5, rec.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < fragment.length; i += size) {
            out.writeBytes(record(Arrays.copyOfRange(fragment, i, Math.min(fragment.length, i + size))));
        }
        return out.toByteArray();
    }

    static List<byte[]> bytewise(byte[] b) {
        List<byte[]> pieces = new ArrayList<>();
        for (byte x : b) {
            pieces.add(new byte[]{x});
        }
        return pieces;
    }

    static Stream<Arguments> realShapes() {
        return Stream.of(
                Arguments.of(Named.<Function<byte[], List<byte[]>>>of("one byte per TCP segment",
                        HostileClientHelloTest::bytewise)),
                Arguments.of(Named.<Function<byte[], List<byte[]>>>of("two TLS records in two segments",
                        rec -> {
                            byte[] two = rerecord(rec, 40);
                            int cut = 5 + 40;
                            return List.of(Arrays.copyOf(two, cut), Arrays.copyOfRange(two, cut, two.length));
                        })),
                Arguments.of(Named.<Function<byte[], List<byte[]>>>of("a TLS record per 16 bytes, one segment",
                        rec -> List.of(rerecord(rec, 16)))),
                Arguments.of(Named.<Function<byte[], List<byte[]>>>of("a TLS record per 7 bytes, split inside headers",
                        rec -> {
                            byte[] many = rerecord(rec, 7);
                            List<byte[]> pieces = new ArrayList<>();
                            for (int i = 0; i < many.length; i += 9) {
                                pieces.add(Arrays.copyOfRange(many, i, Math.min(many.length, i + 9)));
                            }
                            return pieces;
                        })));
    }

    @ParameterizedTest
    @MethodSource("realShapes")
    void aRealHelloInOddShapesPassesTheSidecarByteExact(Function<byte[], List<byte[]>> shape) throws Exception {
        int before = allowedTls.connections().size();
        try (HostileClient.ShapedSocket s = HostileClient.connect(
                new HostileClient.ShapedSocket(sidecar.address(), shape), ALLOWED + ":443")) {
            s.armed = true;
            try (SSLSocket t = HostileClient.tls(s, rig.publicCa.sslContext(null), Optional.of(ALLOWED))) {
                assertThat(HostileClient.get(t, ALLOWED, "/shaped")).startsWith("HTTP/1.1 200 ")
                        .endsWith("allowed over tls");
            }
            RawUpstream.Connection up = allowedTls.awaitConnection(before + 1);
            assertThat(up.sni()).contains(ALLOWED);
            byte[] sent = s.shaped();
            assertThat(sent).as("the client's hello went through the shaping").hasSizeGreaterThan(100);
            assertThat(Arrays.copyOf(up.wire(), sent.length)).as("the hello as it was sent").isEqualTo(sent);
        }
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.sni().equals(Optional.of(ALLOWED))
                && x.decision().equals("allowed") && x.bytesSent() > 0);
        assertThat(e.responseCode()).isEqualTo(200);
    }

    @Test
    void aRealHelloInOneByteSegmentsPassesTheGatewayPassthrough() throws Exception {
        int before = googleTls.connections().size();
        InetSocketAddress gw = rig.gateway.listeners().get(PASSTHROUGH);
        try (HostileClient.ShapedSocket s = new HostileClient.ShapedSocket(gw, HostileClientHelloTest::bytewise)) {
            s.setTcpNoDelay(true);
            s.armed = true;
            try (SSLSocket t = HostileClient.tls(s, rig.publicCa.sslContext(null), Optional.of(Rig.GOOGLE))) {
                assertThat(HostileClient.get(t, Rig.GOOGLE, "/peeked")).startsWith("HTTP/1.1 200 ")
                        .endsWith("google over tls");
            }
            RawUpstream.Connection up = googleTls.awaitConnection(before + 1);
            assertThat(up.sni()).contains(Rig.GOOGLE);
            assertThat(s.shaped()).hasSizeGreaterThan(100);
            assertThat(Arrays.copyOf(up.wire(), s.shaped().length)).isEqualTo(s.shaped());
        }
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway") && x.destinationPort() == PASSTHROUGH
                && x.decision().equals("allowed"));
        assertThat(e.sni()).contains(Rig.GOOGLE);
    }

    // ---- hellos that pass the gate but not a real server: forwarded byte-exact, the upstream judges ----

    static byte[] ext(int type, byte[] data) {
        return concat(u16(type), u16(data.length), data);
    }

    static byte[] bigHelloWithPadding() {
        // RFC 7685 padding; 20 KiB makes a handshake message larger than one record can carry
        byte[] hs = handshake(helloBody(sniExtension(ALLOWED), ext(21, new byte[20 * 1024])));
        return concat(record(Arrays.copyOf(hs, 16384)), record(Arrays.copyOfRange(hs, 16384, hs.length)));
    }

    static byte[] echHello(String outer) {
        byte[] payload = new byte[180];
        new java.util.Random(7).nextBytes(payload);
        // ECHClientHello: type outer(0), cipher suite, config id, enc, payload (draft-ietf-tls-esni)
        byte[] ech = concat(new byte[]{0}, u16(1), u16(1), new byte[]{42}, u16(32), new byte[32], u16(payload.length),
                payload);
        return hello(sniExtension(outer), ext(0xfe0d, ech));
    }

    static Stream<Arguments> passedBytes() throws Exception {
        return Stream.of(
                Arguments.of(Named.of("larger than 16 KiB over two records, with padding", bigHelloWithPadding())),
                Arguments.of(Named.of("encrypted_client_hello (0xfe0d) with the allowed outer SNI", echHello(ALLOWED))),
                Arguments.of(Named.of("garbage after the hello in the same segment",
                        concat(realHello(ALLOWED), "GARBAGE".getBytes(StandardCharsets.ISO_8859_1)))),
                Arguments.of(Named.of("a second hello, naming another host, after the first",
                        concat(realHello(ALLOWED), realHello(DENIED)))));
    }

    @ParameterizedTest
    @MethodSource("passedBytes")
    void helloShapesTheGateAcceptsAreForwardedAsSent(byte[] bytes) throws Exception {
        int before = allowedTls.connections().size();
        RawUpstream.Connection up;
        try (Socket s = HostileClient.connect(sidecar.address(), ALLOWED + ":443")) {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            up = allowedTls.awaitConnection(before + 1);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (up.wire().length < bytes.length && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertThat(Arrays.copyOf(up.wire(), bytes.length)).isEqualTo(bytes);
        }
        // the client has closed: the upstream's TLS stack may still have been waiting for more
        assertThat(up.awaitEnd().wire()).as("nothing but what the client sent").hasSize(bytes.length);
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.sni().equals(Optional.of(ALLOWED))
                && x.bytesReceived() == bytes.length);
        assertThat(e.decision()).isNotEqualTo("refused");
        assertThat(e.responseCode()).isEqualTo(200);
    }

    // ---- hellos the gate refuses: the tunnel closes and the upstream gets nothing ----

    static byte[] withRecordLength(byte[] rec, int length) {
        byte[] b = rec.clone();
        b[3] = (byte) (length >> 8);
        b[4] = (byte) length;
        return b;
    }

    static byte[] sslv2Hello() {
        // SSL 2.0 CLIENT-HELLO as old stacks sent for compatibility: 2-byte header with the top bit set
        byte[] body = concat(new byte[]{1, 3, 1}, u16(3), u16(0), u16(16), new byte[]{0, 0, 0x2f},
                new byte[16]);
        return concat(new byte[]{(byte) (0x80 | body.length >> 8), (byte) body.length}, body);
    }

    static Stream<Arguments> refusedBytes() throws Exception {
        byte[] real = realHello(ALLOWED);
        byte[] hs = handshake(helloBody(sniExtension(ALLOWED)));
        byte[] body = helloBody(sniExtension(ALLOWED));
        int extLengthAt = 2 + 32 + 1 + 2 + 2 + 2;
        byte[] extOverflow = body.clone();
        extOverflow[extLengthAt] = (byte) 0x7f;
        byte[] extOverrun = body.clone();
        extOverrun[extLengthAt + 2 + 2] = (byte) 0x7f;
        byte[] serverHello = handshake(helloBody(sniExtension(ALLOWED)));
        serverHello[0] = 2;
        byte[] huge = concat(new byte[]{1, 1, 0x11, 0x70}, new byte[100]);
        return Stream.of(
                refused("SSLv2-compatible hello", sslv2Hello(), "tunnel did not start with a TLS ClientHello"),
                refused("an application_data record first",
                        concat(new byte[]{23, 3, 3}, u16(5), "hello".getBytes(StandardCharsets.ISO_8859_1)),
                        "tunnel did not start with a TLS ClientHello"),
                refused("record length longer than a record may be", withRecordLength(real, 18433),
                        "malformed ClientHello: TLS record length 18433 out of range"),
                refused("record length shorter than the hello (the rest read as a record header)",
                        withRecordLength(record(hs), 10),
                        "malformed ClientHello: ClientHello interrupted by a non-handshake record"),
                refused("record length 0", concat(withRecordLength(record(new byte[0]), 0), real),
                        "malformed ClientHello: TLS record length 0 out of range"),
                refused("an alert record between two parts of the hello",
                        concat(record(Arrays.copyOf(hs, 20)), new byte[]{21, 3, 3, 0, 2, 2, 40},
                                record(Arrays.copyOfRange(hs, 20, hs.length))),
                        "malformed ClientHello: ClientHello interrupted by a non-handshake record"),
                refused("extensions length larger than what follows", record(handshake(extOverflow)),
                        "malformed ClientHello: extensions length does not match the ClientHello"),
                refused("an extension longer than the extensions", record(handshake(extOverrun)),
                        "malformed ClientHello: extension overruns the ClientHello"),
                refused("a zero-length extensions block (so no SNI)", hello(),
                        "ClientHello has no SNI; the tunnel was opened for allowed.test"),
                refused("a ServerHello instead of a ClientHello", record(serverHello),
                        "malformed ClientHello: first handshake message is not a ClientHello"),
                refused("a handshake length over 64 KiB", record(huge),
                        "malformed ClientHello: ClientHello larger than 65536 bytes"),
                refused("encrypted_client_hello with an outer SNI of another host", echHello(DENIED),
                        "TLS SNI denied.test does not match the CONNECT host allowed.test:443"));
    }

    static Arguments refused(String name, byte[] bytes, String reason) {
        return Arguments.of(Named.of(name, bytes), reason);
    }

    @ParameterizedTest
    @MethodSource("refusedBytes")
    void malformedHellosCloseTheTunnelWithoutForwardingAByte(byte[] bytes, String reason) throws Exception {
        int before = allowedTls.connections().size();
        try (Socket s = HostileClient.connect(sidecar.address(), ALLOWED + ":443")) {
            assertThat(HostileClient.sendUntilClosed(s, bytes)).isEmpty();
        }
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.reason().equals(reason));
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(allowedTls.awaitConnection(before + 1).awaitEnd().wire()).isEmpty();
    }

    static Stream<Arguments> refusedAtTheGateway() throws Exception {
        return Stream.of(
                refused("SSLv2-compatible hello", sslv2Hello(), "not a TLS ClientHello"),
                refused("two server_name extensions", hello(sniExtension(Rig.GOOGLE), sniExtension(DENIED)),
                        "malformed ClientHello: two server_name extensions"),
                refused("record length longer than a record may be", withRecordLength(realHello(Rig.GOOGLE), 18433),
                        "malformed ClientHello: TLS record length 18433 out of range"),
                refused("an alert record inside the hello",
                        concat(record(Arrays.copyOf(handshake(helloBody(sniExtension(Rig.GOOGLE))), 20)),
                                new byte[]{21, 3, 3, 0, 2, 2, 40}),
                        "malformed ClientHello: ClientHello interrupted by a non-handshake record"),
                refused("a handshake length over 64 KiB", record(concat(new byte[]{1, 1, 0x11, 0x70}, new byte[100])),
                        "malformed ClientHello: ClientHello larger than 65536 bytes"));
    }

    @ParameterizedTest
    @MethodSource("refusedAtTheGateway")
    void malformedHellosAtAPassthroughServerCloseBeforeAnyUpstream(byte[] bytes, String reason) throws Exception {
        int before = googleTls.connections().size();
        InetSocketAddress gw = rig.gateway.listeners().get(PASSTHROUGH);
        try (Socket s = new Socket(gw.getAddress(), gw.getPort())) {
            s.setSoTimeout(15_000);
            assertThat(HostileClient.sendUntilClosed(s, bytes)).isEmpty();
        }
        AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith("gateway") && x.reason().equals(reason));
        assertThat(e.decision()).isEqualTo("error");
        assertThat(e.destinationPort()).isEqualTo(PASSTHROUGH);
        assertThat(googleTls.connections()).as("the gateway opened no upstream").hasSize(before);
    }
}
