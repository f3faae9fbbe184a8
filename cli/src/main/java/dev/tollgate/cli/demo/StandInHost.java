package dev.tollgate.cli.demo;

import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tollgate.identity.IssuedCertificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local stand-in for an external host such as developers.google.com: HTTP and HTTPS on 127.0.0.1, ephemeral
 * ports. It answers every request for its host name with 200 and a short body naming the host (HEAD gets the
 * headers only), and 421 to a request whose Host header names another host, so "ok" in the demo really means
 * "reached the right host". Its TLS certificate comes from the demo's "public" CA.
 */
public final class StandInHost implements AutoCloseable {

    private final String hostName;
    private final HttpServer http;
    private final HttpsServer https;
    private final ExecutorService executor;
    private final AtomicLong requests = new AtomicLong();

    private StandInHost(String hostName, HttpServer http, HttpsServer https, ExecutorService executor) {
        this.hostName = hostName;
        this.http = http;
        this.https = https;
        this.executor = executor;
    }

    /** Starts HTTP and HTTPS listeners for {@code hostName}, presenting {@code certificate} over TLS. */
    public static StandInHost start(String hostName, IssuedCertificate certificate) {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        return start(hostName, certificate, any, any);
    }

    /** As {@link #start(String, IssuedCertificate)}, on the given addresses. */
    public static StandInHost start(String hostName, IssuedCertificate certificate, InetSocketAddress httpAt,
                                    InetSocketAddress httpsAt) {
        String host = HostName.fold(hostName);
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "stand-in " + host);
            t.setDaemon(true);
            return t;
        });
        try {
            HttpServer http = HttpServer.create(httpAt, 64);
            HttpsServer https = HttpsServer.create(httpsAt, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(sslContext(certificate)));
            StandInHost standIn = new StandInHost(host, http, https, executor);
            for (HttpServer server : new HttpServer[]{http, https}) {
                server.createContext("/", standIn::handle);
                server.setExecutor(executor);
                server.start();
            }
            return standIn;
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot start the stand-in for " + host + ": " + e.getMessage(), e);
        }
    }

    public String hostName() {
        return hostName;
    }

    public InetSocketAddress httpAddress() {
        return http.getAddress();
    }

    public InetSocketAddress httpsAddress() {
        return https.getAddress();
    }

    /** Requests answered (of any status) since start. */
    public long requests() {
        return requests.get();
    }

    /** The body of a 200, e.g. for a reader of the demo's output who wonders what answered. */
    public String body() {
        return "Tollgate demo stand-in for " + hostName + " (not the real host)\n";
    }

    @Override
    public void close() {
        http.stop(0);
        https.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String requested = hostOf(exchange.getRequestHeaders().getFirst("Host"));
            boolean ours = hostName.equals(requested);
            int status = ours ? 200 : 421;
            byte[] body = (ours ? body() : "misdirected request: this is the stand-in for " + hostName
                    + ", not " + sanitize(requested) + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("X-Stand-In-For", hostName);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The host of a Host header, as the proxies read it ({@link Authority#hostOf}). */
    static String hostOf(String header) {
        return header == null ? "" : Authority.hostOf(header);
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^a-z0-9.:\\[\\]-]", "?");
    }

    private static SSLContext sslContext(IssuedCertificate certificate) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("stand-in", certificate.key(), new char[0], certificate.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the stand-in's TLS context", e);
        }
    }
}
