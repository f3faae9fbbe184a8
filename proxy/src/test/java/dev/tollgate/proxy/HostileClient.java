package dev.tollgate.proxy;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** What the hostile-input tests do as a client: open tunnels, send crafted bytes, speak TLS with a chosen SNI. */
final class HostileClient {
    private HostileClient() {
    }

    /** CONNECTs through {@code proxy} to {@code target} and checks that the tunnel is up (200). */
    static Socket connect(InetSocketAddress proxy, String target) throws IOException {
        return connect(new Socket(proxy.getAddress(), proxy.getPort()), target);
    }

    /** CONNECTs over {@code s}, already connected to a proxy, and checks that the tunnel is up (200). */
    static <S extends Socket> S connect(S s, String target) throws IOException {
        s.setSoTimeout(15_000);
        s.setTcpNoDelay(true);
        s.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        String head = SidecarTest.readHead(s.getInputStream());
        assertThat(head).as("CONNECT %s", target).startsWith("HTTP/1.1 200 Connection established");
        return s;
    }

    /**
     * Writes {@code bytes}, then reads until the peer closes (or resets): what came back. Fails when the peer keeps
     * the connection open for 15 s.
     */
    static byte[] sendUntilClosed(Socket s, byte[]... writes) throws IOException {
        OutputStream o = s.getOutputStream();
        try {
            for (byte[] w : writes) {
                o.write(w);
                o.flush();
            }
        } catch (SocketException e) {
            // closed while writing: what was read counts
        }
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] b = new byte[4096];
        try {
            int n;
            while ((n = in.read(b)) >= 0) {
                got.write(b, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the proxy kept the connection open; it sent " + got.size() + " bytes");
        } catch (SocketException e) {
            // reset after a refusal
        }
        return got.toByteArray();
    }

    /**
     * A client socket that, once {@link #armed}, rewrites the first TLS record written to it (a ClientHello) into the
     * pieces {@code shape} returns and sends each as its own TCP segment, a millisecond apart so that the proxy reads
     * them separately; everything after goes out unchanged. What it sent is kept, to compare with what arrived.
     */
    static final class ShapedSocket extends Socket {
        private final Function<byte[], List<byte[]>> shape;
        private final ByteArrayOutputStream shaped = new ByteArrayOutputStream();
        private OutputStream out;
        volatile boolean armed;

        ShapedSocket(InetSocketAddress to, Function<byte[], List<byte[]>> shape) throws IOException {
            super(to.getAddress(), to.getPort());
            this.shape = shape;
        }

        /** The bytes the shaped first record became. */
        byte[] shaped() {
            return shaped.toByteArray();
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) {
                OutputStream raw = super.getOutputStream();
                out = new OutputStream() {
                    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
                    private boolean done;

                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[]{(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (!armed || done) {
                            raw.write(b, off, len);
                            return;
                        }
                        pending.write(b, off, len);
                        byte[] p = pending.toByteArray();
                        if (p.length < 5 || p.length < 5 + ((p[3] & 0xff) << 8 | p[4] & 0xff)) {
                            return;
                        }
                        done = true;
                        int n = 5 + ((p[3] & 0xff) << 8 | p[4] & 0xff);
                        for (byte[] piece : shape.apply(Arrays.copyOf(p, n))) {
                            shaped.writeBytes(piece);
                            raw.write(piece);
                            raw.flush();
                            LockSupport.parkNanos(1_000_000);
                        }
                        raw.write(p, n, p.length - n);
                    }

                    @Override
                    public void flush() throws IOException {
                        raw.flush();
                    }

                    @Override
                    public void close() throws IOException {
                        raw.close();
                    }
                };
            }
            return out;
        }
    }

    /** TLS over {@code s} with exactly the given SNI (none when empty), trusting {@code trust}. */
    static SSLSocket tls(Socket s, SSLContext trust, Optional<String> sni) throws IOException {
        SSLSocket t = (SSLSocket) trust.getSocketFactory().createSocket(s, sni.orElse("no-sni"), 443, true);
        SSLParameters p = t.getSSLParameters();
        p.setServerNames(sni.<List<SNIServerName>>map(n -> List.of(new SNIHostName(n))).orElse(List.of()));
        t.setSSLParameters(p);
        t.setSoTimeout(15_000);
        return t;
    }

    /** One HTTP/1.1 GET with {@code Connection: close} over an established stream; the whole response. */
    static String get(Socket s, String host, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
}
