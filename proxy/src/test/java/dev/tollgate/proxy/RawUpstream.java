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

    RawUpstream(Optional<SSLContext> tls, Script script) throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        this.server = new ServerSocket(0, 50, lo);
        this.tls = tls;
        this.script = script;
        pool.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                pool.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket raw) {
        try (raw) {
            raw.setSoTimeout(20_000);
            Socket s = tls.isPresent() ? tls(raw) : raw;
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
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
            // the proxy went away: nothing to serve
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
