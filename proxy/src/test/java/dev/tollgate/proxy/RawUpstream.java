package dev.tollgate.proxy;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An upstream that answers with raw bytes chosen by the request path, the way old or odd servers frame responses
 * (an HTTP/1.0 server such as {@code openssl s_server -www} ends its body by closing). Plain TCP, or TLS when given
 * an SSLContext. Requests on one connection are served in turn until a script closes it.
 *
 * <p>It also records, per accepted connection, every byte that arrived on the wire (before TLS), every byte the
 * scripts could read (after TLS) and the SNI the client sent, so that hostile-input tests can prove that nothing
 * forbidden was forwarded: a refused tunnel must show zero bytes, a passed-through ClientHello must arrive byte-exact.
 */
final class RawUpstream implements AutoCloseable {
    /** What the server does for one request: writes its answer and says whether to keep the connection. */
    interface Script {
        boolean serve(String head, InputStream in, OutputStream out) throws IOException;
    }

    /** Thrown by a script to end the TCP connection without a TLS close_notify, as some servers do. */
    static final class Abrupt extends IOException {
    }

    /** What one accepted connection brought. */
    static final class Connection {
        private volatile int number;
        private volatile int requests;
        private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
        private final ByteArrayOutputStream plain = new ByteArrayOutputStream();
        private final AtomicReference<String> sni = new AtomicReference<>();
        private final CountDownLatch ended = new CountDownLatch(1);

        /** Its number among the connections accepted, from 1. */
        int number() {
            return number;
        }

        /** Requests read on it so far (from 1 while a script serves the first). */
        int request() {
            return requests;
        }

        /** Every byte received on the TCP connection, TLS records included. */
        byte[] wire() {
            synchronized (wire) {
                return wire.toByteArray();
            }
        }

        /** Every byte received after TLS (the same as {@link #wire} for plain TCP). */
        String plain() {
            synchronized (plain) {
                return plain.toString(StandardCharsets.ISO_8859_1);
            }
        }

        /** The server_name the client asked for in its ClientHello, when TLS got that far. */
        Optional<String> sni() {
            return Optional.ofNullable(sni.get());
        }

        /** Waits (up to 10 s) until the connection has closed, so that what it recorded is final. */
        Connection awaitEnd() throws InterruptedException {
            if (!ended.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the upstream connection did not end; it received "
                        + wire().length + " bytes");
            }
            return this;
        }

        private static void record(ByteArrayOutputStream to, byte[] b, int off, int n) {
            if (n > 0) {
                synchronized (to) {
                    to.write(b, off, n);
                }
            }
        }
    }

    /** Copies what is read to {@code to}. */
    private static final class Recording extends FilterInputStream {
        private final ByteArrayOutputStream to;

        Recording(InputStream in, ByteArrayOutputStream to) {
            super(in);
            this.to = to;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                Connection.record(to, new byte[]{(byte) c}, 0, 1);
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            Connection.record(to, b, off, n);
            return n;
        }
    }

    /** An accepted socket that records what is read from it, below any TLS layered on top. */
    private static final class Tap extends Socket {
        final Connection seen = new Connection();
        private InputStream in;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new Recording(super.getInputStream(), seen.wire);
            }
            return in;
        }
    }

    /** Accepts into {@link Tap}s (the way ServerSocket lets a subclass choose its sockets). */
    private static final class TapServer extends ServerSocket {
        TapServer(InetAddress bind) throws IOException {
            super(0, 50, bind);
        }

        @Override
        public Socket accept() throws IOException {
            Tap s = new Tap();
            implAccept(s);
            return s;
        }
    }

    /** Answers every request with 200 and {@code body}; closes after a request that says {@code Connection: close}. */
    static Script answering(String body) {
        return (head, in, out) -> {
            boolean close = head.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n");
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n"
                    + (close ? "Connection: close\r\n" : "") + "\r\n" + body);
            return !close;
        };
    }

    private final ServerSocket server;
    private final Optional<SSLContext> tls;
    private final Script script;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final int keepAliveMillis;
    private final AtomicInteger accepted = new AtomicInteger();
    private static final ThreadLocal<Connection> CONNECTION = new ThreadLocal<>();

    RawUpstream(Optional<SSLContext> tls, Script script) throws IOException {
        this(tls, script, 20_000);
    }

    /** @param keepAliveMillis how long a connection may wait for its next request before the server closes it */
    RawUpstream(Optional<SSLContext> tls, Script script, int keepAliveMillis) throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        this.server = new TapServer(lo);
        this.tls = tls;
        this.script = script;
        this.keepAliveMillis = keepAliveMillis;
        pool.execute(this::accept);
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** For a script: the connection it is serving. */
    static Connection connection() {
        return CONNECTION.get();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The connections accepted so far, in order. */
    List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** Waits (up to 10 s) for the {@code n}th connection (from 1) to be accepted. */
    Connection awaitConnection(int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (connections.size() < n) {
            if (System.nanoTime() > until) {
                throw new AssertionError("the upstream accepted " + connections.size() + " connections, not " + n);
            }
            Thread.sleep(5);
        }
        return connections.get(n - 1);
    }

    /** Everything received after TLS on every connection, in order: what an application behind it would see. */
    String received() {
        StringBuilder b = new StringBuilder();
        connections.forEach(c -> b.append(c.plain()));
        return b.toString();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Tap s = (Tap) server.accept();
                s.seen.number = accepted.incrementAndGet();
                connections.add(s.seen);
                pool.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Tap raw) {
        try (raw) {
            raw.setSoTimeout(keepAliveMillis);
            Socket s = tls.isPresent() ? tls(raw) : raw;
            CONNECTION.set(raw.seen);
            try (s) {
                InputStream in = new Recording(s.getInputStream(), raw.seen.plain);
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    raw.seen.requests++;
                    boolean again;
                    try {
                        again = script.serve(head, in, out);
                    } catch (Abrupt e) {
                        out.flush();
                        raw.close();
                        return;
                    }
                    out.flush();
                    if (!again) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // the proxy went away (or the keep-alive timeout passed): nothing to serve
        } finally {
            CONNECTION.remove();
            raw.seen.ended.countDown();
        }
    }

    private SSLSocket tls(Tap raw) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.get().getSocketFactory().createSocket(raw, null, raw.getPort(), false);
        ssl.setUseClientMode(false);
        SSLParameters p = ssl.getSSLParameters();
        p.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
            @Override
            public boolean matches(SNIServerName name) {
                raw.seen.sni.set(name instanceof SNIHostName h ? h.getAsciiName()
                        : new String(name.getEncoded(), StandardCharsets.ISO_8859_1));
                return true;
            }
        }));
        ssl.setSSLParameters(p);
        return ssl;
    }

    /** The request head up to the empty line, or null at end of stream. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public void close() throws IOException {
        server.close();
        pool.shutdownNow();
    }
}
