package dev.tollgate.proxy;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that answers with raw bytes chosen by the request path, the way old or odd servers frame responses
 * (an HTTP/1.0 server such as {@code openssl s_server -www} ends its body by closing). Plain TCP, or TLS when given
 * an SSLContext. Requests on one connection are served in turn until a script closes it.
 */
final class RawUpstream implements AutoCloseable {
    /** What the server does for one request: writes its answer and says whether to keep the connection. */
    interface Script {
        boolean serve(String head, InputStream in, OutputStream out) throws IOException;
    }

    /** Thrown by a script to end the TCP connection without a TLS close_notify, as some servers do. */
    static final class Abrupt extends IOException {
    }

    private final ServerSocket server;
    private final Optional<SSLContext> tls;
    private final Script script;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final int keepAliveMillis;
    private final AtomicInteger accepted = new AtomicInteger();
    private static final ThreadLocal<Connection> CONNECTION = new ThreadLocal<>();

    /** The connection a script is serving: its number (from 1), requests so far on it (from 1), the SNI it asked for. */
    record Connection(int number, int[] requests, String sni) {
        int request() {
            return requests[0];
        }
    }

    RawUpstream(Optional<SSLContext> tls, Script script) throws IOException {
        this(tls, script, 20_000);
    }

    /** @param keepAliveMillis how long a connection may wait for its next request before the server closes it */
    RawUpstream(Optional<SSLContext> tls, Script script, int keepAliveMillis) throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        this.server = new ServerSocket(0, 50, lo);
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

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int n = accepted.incrementAndGet();
                pool.execute(() -> serve(s, n));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket raw, int number) {
        try (raw) {
            raw.setSoTimeout(keepAliveMillis);
            Socket s = tls.isPresent() ? tls(raw) : raw;
            try (s) {
                String sni = null;
                if (s instanceof SSLSocket ssl) {
                    ssl.startHandshake();
                    if (ssl.getSession() instanceof javax.net.ssl.ExtendedSSLSession ext) {
                        sni = ext.getRequestedServerNames().stream()
                                .filter(n -> n instanceof javax.net.ssl.SNIHostName)
                                .map(n -> ((javax.net.ssl.SNIHostName) n).getAsciiName()).findFirst().orElse(null);
                    }
                }
                Connection c = new Connection(number, new int[1], sni);
                CONNECTION.set(c);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    c.requests[0]++;
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
        }
    }

    private SSLSocket tls(Socket raw) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.get().getSocketFactory().createSocket(raw, null, raw.getPort(), false);
        ssl.setUseClientMode(false);
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
