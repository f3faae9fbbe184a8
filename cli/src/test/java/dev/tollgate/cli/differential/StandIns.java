package dev.tollgate.cli.differential;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The "internet" of the differential test, all on 127.0.0.1: one stand-in server per external port (plain HTTP for
 * 80 and 8080, HTTPS for 443 and 8443, with a certificate naming every host of {@link Pool}, IP literals as IP
 * SANs), and a sink that accepts and closes whatever the proxies send to a host:port the rig does not serve. Every
 * answer names the port it stands for ({@code X-Stand-In}) and the Host it was asked for ({@code X-Seen-Host}), so
 * "reached the upstream" is checked, not assumed.
 */
final class StandIns implements AutoCloseable {
    static final int[] PLAIN_PORTS = {80, 8080};
    static final int[] TLS_PORTS = {443, 8443};

    final Path dir;
    final Path publicRootPem;
    final X509Certificate publicRoot;
    private final Map<Integer, HttpServer> servers = new LinkedHashMap<>();
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "differential stand-in");
        t.setDaemon(true);
        return t;
    });
    private final ServerSocket sink;
    final AtomicLong sinkConnections = new AtomicLong();
    final AtomicLong answered = new AtomicLong();

    StandIns() throws Exception {
        dir = Files.createTempDirectory("tollgate-differential");
        KeyPair caKey = ecKey();
        Instant now = Instant.now();
        var ca = new JcaX509v3CertificateBuilder(new X500Name("CN=differential public CA"), BigInteger.ONE,
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))),
                new X500Name("CN=differential public CA"), caKey.getPublic());
        ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        publicRoot = new JcaX509CertificateConverter().getCertificate(
                ca.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        publicRootPem = dir.resolve("public-root.pem");
        Files.writeString(publicRootPem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(publicRoot.getEncoded())
                + "\n-----END CERTIFICATE-----\n");

        KeyPair serverKey = ecKey();
        List<GeneralName> sans = new ArrayList<>();
        for (String h : Pool.CONCRETE_HOSTS) {
            sans.add(new GeneralName(GeneralName.dNSName, h));
        }
        for (String ip : Pool.IPS) {
            sans.add(new GeneralName(GeneralName.iPAddress, ip));
        }
        var leaf = new JcaX509v3CertificateBuilder(publicRoot, BigInteger.TWO, Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=stand-in"), serverKey.getPublic());
        leaf.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        X509Certificate leafCert = new JcaX509CertificateConverter().getCertificate(
                leaf.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        SSLContext serverTls = serverContext(serverKey, leafCert);

        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        for (int port : PLAIN_PORTS) {
            start(port, HttpServer.create(any, 64));
        }
        for (int port : TLS_PORTS) {
            HttpsServer s = HttpsServer.create(any, 64);
            s.setHttpsConfigurator(new HttpsConfigurator(serverTls));
            start(port, s);
        }
        sink = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::drainSink, "differential sink");
        t.setDaemon(true);
        t.start();
    }

    private void start(int port, HttpServer s) {
        s.createContext("/", x -> answer(port, x));
        s.setExecutor(executor);
        s.start();
        servers.put(port, s);
    }

    private void answer(int port, HttpExchange x) throws IOException {
        try (x) {
            x.getRequestBody().readAllBytes();
            answered.incrementAndGet();
            String host = String.valueOf(x.getRequestHeaders().getFirst("Host"));
            x.getResponseHeaders().set("X-Stand-In", Integer.toString(port));
            x.getResponseHeaders().set("X-Seen-Host", host);
            x.getResponseHeaders().set("X-Seen-Request", x.getRequestMethod() + " " + x.getRequestURI());
            byte[] body = ("stand-in for port " + port + "\n").getBytes(StandardCharsets.US_ASCII);
            if (x.getRequestMethod().equals("HEAD")) {
                x.sendResponseHeaders(200, -1);
                return;
            }
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        }
    }

    private void drainSink() {
        while (!sink.isClosed()) {
            try (Socket s = sink.accept()) {
                sinkConnections.incrementAndGet();
            } catch (IOException e) {
                // closed: done
            }
        }
    }

    /** Where the stand-in for external port {@code port} listens. */
    int port(int externalPort) {
        HttpServer s = servers.get(externalPort);
        if (s == null) {
            throw new IllegalArgumentException("no stand-in for port " + externalPort);
        }
        return s.getAddress().getPort();
    }

    int sinkPort() {
        return sink.getLocalPort();
    }

    /**
     * curl-style {@code --connect-to} entries: every host of the pool on every external port to its stand-in; the
     * caller adds the gateway's entries first and {@link #sinkEntry()} last.
     */
    List<String> connectTo() {
        List<String> out = new ArrayList<>();
        List<String> hosts = new ArrayList<>(Pool.CONCRETE_HOSTS);
        hosts.addAll(Pool.IPS);
        hosts.addAll(Pool.NAMED_CASES_ONLY_IPS);
        for (String h : hosts) {
            String host = h.indexOf(':') >= 0 ? "[" + h + "]" : h;
            for (int p : PLAIN_PORTS) {
                out.add(host + ":" + p + ":127.0.0.1:" + port(p));
            }
            for (int p : TLS_PORTS) {
                out.add(host + ":" + p + ":127.0.0.1:" + port(p));
            }
        }
        return out;
    }

    /** Anything else goes to the sink: no connection of the test ever leaves loopback, and none needs DNS. */
    String sinkEntry() {
        return "::127.0.0.1:" + sinkPort();
    }

    /** A client context trusting only the stand-ins' CA, as {@code curl --cacert}. */
    SSLContext clientContext() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("root", publicRoot);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static SSLContext serverContext(KeyPair key, X509Certificate cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", key.getPrivate(), new char[0], new X509Certificate[]{cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    @Override
    public void close() throws IOException {
        servers.values().forEach(s -> s.stop(0));
        executor.shutdownNow();
        sink.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
