package dev.tollgate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The SNI peek must read real ClientHellos and survive any hostile input (RFC 8446 section 4.1.2, RFC 6066 section 3). */
class ClientHelloTest {

    static byte[] realHello(String host) throws Exception {
        SSLEngine e = SSLContext.getDefault().createSSLEngine(host, 443);
        e.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return b;
    }

    static ClientHello.Result parse(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            int before = buf.readerIndex();
            ClientHello.Result r = ClientHello.parse(buf);
            assertThat(buf.readerIndex()).as("the peek consumes nothing").isEqualTo(before);
            return r;
        } finally {
            buf.release();
        }
    }

    // --- hand-built hellos ---

    static byte[] u16(int v) {
        return new byte[]{(byte) (v >> 8), (byte) v};
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static byte[] sniExtension(String... names) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (String n : names) {
            byte[] nb = n.getBytes(StandardCharsets.ISO_8859_1);
            list.write(0);
            list.writeBytes(u16(nb.length));
            list.writeBytes(nb);
        }
        byte[] l = list.toByteArray();
        return concat(u16(0), u16(l.length + 2), u16(l.length), l);
    }

    static byte[] helloBody(byte[]... extensions) {
        byte[] ext = concat(extensions);
        return concat(new byte[]{3, 3}, new byte[32], new byte[]{0}, u16(2), new byte[]{0x13, 0x01},
                new byte[]{1, 0}, u16(ext.length), ext);
    }

    static byte[] handshake(byte[] body) {
        return concat(new byte[]{1, (byte) (body.length >> 16), (byte) (body.length >> 8), (byte) body.length}, body);
    }

    static byte[] record(byte[] fragment) {
        return concat(new byte[]{22, 3, 1}, u16(fragment.length), fragment);
    }

    static byte[] hello(byte[]... extensions) {
        return record(handshake(helloBody(extensions)));
    }

    @Test
    void readsTheSniOfARealJdkClientHello() throws Exception {
        assertThat(parse(realHello("developers.google.com")))
                .isEqualTo(new ClientHello.Hello(Optional.of("developers.google.com")));
    }

    @Test
    void everyTruncationOfARealHelloNeedsMoreAndNeverThrows() throws Exception {
        byte[] full = realHello("developer.yahoo.com");
        for (int n = 0; n < full.length; n++) {
            assertThat(parse(Arrays.copyOf(full, n))).as("prefix of %d bytes", n).isInstanceOf(ClientHello.NeedMore.class);
        }
    }

    @Test
    void readsAHelloSplitOverTwoRecords() {
        byte[] hs = handshake(helloBody(sniExtension("example.com")));
        byte[] split = concat(record(Arrays.copyOfRange(hs, 0, 10)), record(Arrays.copyOfRange(hs, 10, hs.length)));
        assertThat(parse(split)).isEqualTo(new ClientHello.Hello(Optional.of("example.com")));
    }

    @Test
    void helloWithoutSniHasNone() {
        assertThat(parse(hello())).isEqualTo(new ClientHello.Hello(Optional.empty()));
    }

    @Test
    void sniIsLowerCased() {
        assertThat(parse(hello(sniExtension("Developers.Google.COM"))))
                .isEqualTo(new ClientHello.Hello(Optional.of("developers.google.com")));
    }

    static Stream<Arguments> hostile() {
        byte[] big = new byte[70_000];
        return Stream.of(
                Arguments.of(Named.of("plain HTTP", "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes()), "NotTls"),
                Arguments.of(Named.of("SSLv2-looking bytes", new byte[]{(byte) 0x80, 0x2e, 1, 3, 1}), "NotTls"),
                Arguments.of(Named.of("TLS alert record", new byte[]{21, 3, 3, 0, 2, 2, 40}), "NotTls"),
                Arguments.of(Named.of("two server_name extensions (RFC 8446 4.2: no duplicates)",
                        hello(sniExtension("a.example"), sniExtension("b.example"))), "Malformed"),
                Arguments.of(Named.of("two host_names in one server_name (RFC 6066 3)",
                        hello(sniExtension("a.example", "b.example"))), "Malformed"),
                Arguments.of(Named.of("host_name with a NUL byte",
                        hello(sniExtension("allowed.example\0.evil"))), "Malformed"),
                Arguments.of(Named.of("host_name with a trailing dot (RFC 6066 3)",
                        hello(sniExtension("allowed.example."))), "Malformed"),
                Arguments.of(Named.of("empty host_name", hello(sniExtension(""))), "Malformed"),
                Arguments.of(Named.of("record longer than TLS allows",
                        concat(new byte[]{22, 3, 1}, u16(40000), new byte[10])), "Malformed"),
                Arguments.of(Named.of("handshake length claims 70000 bytes",
                        record(new byte[]{1, 1, 0x11, 0x70, 3, 3})), "Malformed"),
                Arguments.of(Named.of("first handshake message is not a ClientHello",
                        record(new byte[]{2, 0, 0, 2, 3, 3})), "Malformed"),
                Arguments.of(Named.of("extension length overruns the hello",
                        record(handshake(concat(helloBody(), u16(0), u16(500))))), "Malformed"),
                Arguments.of(Named.of("zero-length record", new byte[]{22, 3, 1, 0, 0}), "Malformed"),
                Arguments.of(Named.of("65 KiB of handshake records",
                        concat(record(concat(new byte[]{1, 0, (byte) 0xff, (byte) 0xff}, new byte[16000])),
                                record(new byte[16000]), record(new byte[16000]), record(new byte[16000]),
                                record(new byte[16000]))), "Malformed"),
                Arguments.of(Named.of("a huge non-TLS buffer", big), "NotTls"));
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void hostileInputIsRejectedWithoutThrowing(byte[] input, String expected) {
        assertThat(parse(input).getClass().getSimpleName()).isEqualTo(expected);
    }

    @Test
    void randomBytesAfterATlsHeaderNeverThrow() {
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] body = new byte[r.nextInt(300)];
            r.nextBytes(body);
            byte[] input = concat(new byte[]{22, 3, 1}, u16(body.length), body);
            if (r.nextBoolean() && body.length > 4) {
                input[5] = 1;
            }
            ClientHello.Result res = parse(input);
            assertThat(res).isNotNull();
        }
    }
}
