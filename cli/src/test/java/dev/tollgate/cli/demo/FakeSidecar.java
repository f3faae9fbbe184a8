package dev.tollgate.cli.demo;

import dev.tollgate.identity.IssuedCertificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tiny explicit proxy on loopback that answers as a sidecar and gateway would, by host name:
 * {@code ok.test} 200 (for CONNECT: a real TLS server inside the tunnel), {@code blocked.test} 502,
 * {@code forbidden.test} 403 (for CONNECT: 200, then the connection closes), {@code silent.test} closes at once.
 */
final class FakeSidecar implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-sidecar");
        t.setDaemon(true);
        return t;
    });
    private final SSLContext tls;

    FakeSidecar(IssuedCertificate okCertificate) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("ok", okCertificate.key(), new char[0], okCertificate.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        executor.execute(this::acceptLoop);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                executor.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            String head = JavaProbe.readHead(socket.getInputStream());
            String[] requestLine = head.split("\r\n", 2)[0].split(" ");
            if (requestLine.length < 3) {
                return;
            }
            boolean connect = requestLine[0].equals("CONNECT");
            String target = requestLine[1];
            String host = connect ? target.substring(0, target.lastIndexOf(':')) : java.net.URI.create(target).getHost();
            OutputStream out = socket.getOutputStream();
            switch (host) {
                case "ok.test" -> {
                    if (!connect) {
                        respond(out, 200, "OK");
                        return;
                    }
                    respond(out, 200, "Connection established");
                    try (SSLSocket inner = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, socket.getPort(), false)) {
                        inner.setUseClientMode(false);
                        inner.startHandshake();
                        JavaProbe.readHead(inner.getInputStream());
                        respond(inner.getOutputStream(), 200, "OK");
                    }
                }
                case "blocked.test" -> respond(out, 502, "Bad Gateway");
                case "forbidden.test" -> respond(out, connect ? 200 : 403, connect ? "Connection established" : "Forbidden");
                default -> {
                    // silent.test: close without a word
                }
            }
        } catch (IOException ignored) {
            // the client's view is what the tests check
        }
    }

    private static void respond(OutputStream out, int status, String reason) throws IOException {
        String body = status == 200 ? "" : reason + "\n";
        boolean tunnel = reason.equals("Connection established");
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + (tunnel ? "" : "Content-Length: " + body.length() + "\r\nConnection: close\r\n") + "\r\n";
        out.write((head + (tunnel ? "" : body)).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        executor.shutdownNow();
    }
}
