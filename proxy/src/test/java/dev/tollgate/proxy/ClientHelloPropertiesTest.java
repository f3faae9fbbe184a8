package dev.tollgate.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ClientHello parser on any input: it never throws, never consumes, and answers with one of its declared outcomes
 * (need more, not TLS, malformed with a reason, a hello whose SNI is a lower-case DNS name). Real hellos come from the
 * JDK's TLS and from BoringSSL (Netty's OpenSSL engine), the two stacks on either side of a Tollgate tunnel.
 */
class ClientHelloPropertiesTest {
    private static List<byte[]> realHellos;

    @BeforeContainer
    static void makeRealHellos() throws Exception {
        // LeakCheck's detector must be installed before the first buffer of this JVM
        assertThat(LeakCheck.LEAKS).isNotNull();
        realHellos = List.of(jdkHello("developers.google.com", "TLSv1.3", "TLSv1.2"), jdkHello("a.b", "TLSv1.2"),
                boringSslHello("Mixed.Case.example"), ClientHelloTest.hello(ClientHelloTest.sniExtension("x.test")),
                HostileClientHelloTest.bigHelloWithPadding());
    }

    @AfterContainer
    static void noLeaks() throws Exception {
        new LeakCheck().afterAll(null);
    }

    static byte[] jdkHello(String host, String... protocols) throws Exception {
        SSLEngine e = SSLContext.getDefault().createSSLEngine(host, 443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(protocols);
        e.setSSLParameters(p);
        return wrap(e);
    }

    private static SslContext boringSsl;

    static synchronized byte[] boringSslHello(String host) throws Exception {
        if (boringSsl == null) {
            boringSsl = SslContextBuilder.forClient().sslProvider(TlsContexts.PROVIDER)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        }
        SSLEngine e = boringSsl.newEngine(ByteBufAllocator.DEFAULT, host, 443);
        try {
            return wrap(e);
        } finally {
            e.closeOutbound();
            io.netty.util.ReferenceCountUtil.release(e);
        }
    }

    private static byte[] wrap(SSLEngine e) throws Exception {
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return b;
    }

    /** The parser's contract for one input; returns the result for further checks. */
    static ClientHello.Result declared(byte[] input) {
        ClientHello.Result r = ClientHelloTest.parse(input);
        switch (r) {
            case ClientHello.NeedMore n -> assertThat(input.length).as("need more below the cap")
                    .isLessThanOrEqualTo(ClientHello.MAX_BYTES + 5);
            case ClientHello.NotTls n -> assertThat(input).isNotEmpty();
            case ClientHello.Malformed m -> assertThat(m.reason()).isNotBlank();
            case ClientHello.Hello h -> h.sni().ifPresent(s -> {
                assertThat(ClientHello.validHostName(s)).as("SNI %s is a DNS name", s).isTrue();
                assertThat(s).isEqualTo(s.toLowerCase(Locale.ROOT)).hasSizeBetween(1, 255);
            });
        }
        return r;
    }

    @Property(tries = 300)
    void arbitraryBytesGetADeclaredOutcome(@ForAll @Size(max = 700) byte[] bytes) {
        declared(bytes);
    }

    @Property(tries = 300)
    void bytesThatStartLikeAHandshakeRecordGetADeclaredOutcome(@ForAll @IntRange(max = 4) int minor,
                                                              @ForAll @Size(max = 700) byte[] rest) {
        byte[] input = new byte[3 + rest.length];
        input[0] = 22;
        input[1] = 3;
        input[2] = (byte) minor;
        System.arraycopy(rest, 0, input, 3, rest.length);
        declared(input);
    }

    /** One edit of a real hello: flip a byte, drop one, insert one, or cut the tail. */
    record Edit(int kind, int position, byte value) {
        byte[] apply(byte[] b) {
            int at = Math.floorMod(position, b.length);
            return switch (kind) {
                case 0 -> {
                    byte[] c = b.clone();
                    c[at] = value;
                    yield c;
                }
                case 1 -> {
                    byte[] c = new byte[b.length - 1];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                    yield c;
                }
                case 2 -> {
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = value;
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    yield c;
                }
                default -> Arrays.copyOf(b, at);
            };
        }
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        // values that matter in a hello: lengths' high bytes, 0, 0xff, the SNI extension type and name characters
        Arbitrary<Byte> value = Arbitraries.oneOf(Arbitraries.bytes(),
                Arbitraries.of((byte) 0, (byte) 0xff, (byte) 0x7f, (byte) 1, (byte) 22, (byte) '.', (byte) 'A'));
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 100_000), value).as(Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 400)
    void mutatedRealHellosGetADeclaredOutcome(@ForAll @IntRange(max = 4) int which,
                                              @ForAll("edits") List<Edit> edits) {
        byte[] b = realHellos.get(which);
        for (Edit e : edits) {
            if (b.length > 1) {
                b = e.apply(b);
            }
        }
        declared(b);
    }

    @Provide
    Arbitrary<String> hostNames() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
                .withCharRange('0', '9').ofMinLength(1).ofMaxLength(20);
        // both stacks send an SNI only for a name with a dot that is not an address
        return label.list().ofMinSize(2).ofMaxSize(4).map(l -> String.join(".", l))
                .filter(h -> !h.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
    }

    @Property(tries = 150)
    void everyPrefixOfARealHelloNeedsMoreAndTheWholeOneNamesItsHost(@ForAll("hostNames") String host,
                                                                    @ForAll @IntRange(max = 100_000) int cut,
                                                                    @ForAll boolean boring) throws Exception {
        byte[] full = boring ? boringSslHello(host) : jdkHello(host, "TLSv1.3", "TLSv1.2");
        assertThat(declared(Arrays.copyOf(full, cut % full.length))).isInstanceOf(ClientHello.NeedMore.class);
        assertThat(declared(full)).isEqualTo(new ClientHello.Hello(Optional.of(host.toLowerCase(Locale.ROOT))));
    }

    @Property(tries = 200)
    void aHelloCutIntoRecordsOfAnySizeReadsAsTheWholeOne(@ForAll("hostNames") String host,
                                                        @ForAll @IntRange(min = 1, max = 400) int size) {
        byte[] hs = ClientHelloTest.handshake(ClientHelloTest.helloBody(ClientHelloTest.sniExtension(host)));
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int i = 0; i < hs.length; i += size) {
            records.writeBytes(ClientHelloTest.record(Arrays.copyOfRange(hs, i, Math.min(hs.length, i + size))));
        }
        byte[] all = records.toByteArray();
        assertThat(declared(all)).isEqualTo(new ClientHello.Hello(Optional.of(host.toLowerCase(Locale.ROOT))));
        assertThat(declared(Arrays.copyOf(all, all.length - 1))).isInstanceOf(ClientHello.NeedMore.class);
    }
}
