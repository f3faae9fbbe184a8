package dev.tollgate.proxy;

import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.RotatingCertificate;
import dev.tollgate.identity.TrustBundle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A mesh root rotation under load: a real sidecar and a real egress gateway on loopback, each with a renewing
 * certificate from "the control plane" (a CA that switches roots) and a root file re-read as a ConfigMap volume
 * would be, go through the operator's steps (trust both roots, switch signing, renew every proxy, drop the old root)
 * while a CONNECT tunnel and a keep-alive HTTP connection stay open and new connections keep coming. No request may
 * fail and no open connection may drop; a certificate from an unrelated root is refused at every step, and one from
 * the old root once it is dropped.
 */
class RootRotationTest {

    static final Duration TTL = Duration.ofHours(1);
    static final Duration TRAFFIC = Duration.ofMillis(400);

    final MeshCa oldRoot = MeshCa.generate(Rig.TD);
    final MeshCa newRoot = MeshCa.generate(Rig.TD);
    final MeshCa unrelated = MeshCa.generate(Rig.TD);
    /** The CA the control plane signs with now. */
    final AtomicReference<MeshCa> signer = new AtomicReference<>(oldRoot);

    Rig rig;
    Proxy gatewayProxy;
    Proxy sidecarProxy;
    EgressGateway gateway;
    Sidecar sidecar;
    final List<Traffic> traffic = new ArrayList<>();

    /** One proxy's identity as on Kubernetes: a certificate renewed from the control plane, a mounted root file. */
    final class Proxy implements AutoCloseable {
        final Path rootFile;
        final TrustBundle trust;
        final RotatingCertificate certificate;

        Proxy(String name, String namespace, String serviceAccount) throws IOException {
            rootFile = rig.dir.resolve(name + "-root-cert.pem");
            Files.writeString(rootFile, PemFiles.toPem(List.of(oldRoot.rootCertificate())));
            trust = TrustBundle.watch(rootFile, Duration.ofMillis(20));
            certificate = new RotatingCertificate(() -> signer.get().issueWorkload(namespace, serviceAccount, TTL),
                    Clock.systemUTC());
        }

        MeshIdentity identity() {
            return MeshIdentity.rotating(certificate, trust);
        }

        /** What the kubelet does when the ConfigMap changes: a new file swapped in atomically. */
        void mount(MeshCa... roots) throws Exception {
            List<X509Certificate> certs = java.util.Arrays.stream(roots).map(MeshCa::rootCertificate).toList();
            Path tmp = rootFile.resolveSibling(rootFile.getFileName() + ".tmp");
            Files.writeString(tmp, PemFiles.toPem(certs));
            Files.move(tmp, rootFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            await("the proxy trusts " + certs.size() + " roots", () -> trust.roots().equals(certs));
        }

        X509Certificate issuerRoot() {
            return certificate.current().chain().getLast();
        }

        @Override
        public void close() {
            trust.close();
            certificate.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        rig = new Rig();
        gatewayProxy = new Proxy("gateway", "istio-system", "istio-egressgateway-service-account");
        sidecarProxy = new Proxy("sidecar", "default", "sleep");
        gateway = EgressGateway.start(GatewaySettings.defaults(gatewayProxy.identity())
                .withBind("127.0.0.1", GatewaySettings.EPHEMERAL_PORTS)
                .withHosts(HostMap.parse(List.of(), List.of(Rig.GOOGLE + ":443:127.0.0.1:" + rig.tlsPort())))
                .withCaBundle(Optional.of(rig.publicRoot))
                .withAccessLog(rig.log::add)
                .withIoThreads(2)
                .withRefreshInterval(Duration.ofMillis(100)), rig.snapshot::get);
        await("the gateway listens", () -> gateway.listeners().size() == 2);
        List<String> connectTo = new ArrayList<>();
        gateway.listeners().forEach((port, a) -> connectTo.add(Rig.GW_HOST + ":" + port + ":127.0.0.1:" + a.getPort()));
        sidecar = Sidecar.start(SidecarSettings.defaults(Rig.DEFAULT_SLEEP, sidecarProxy.identity())
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(List.of(), connectTo))
                .withCaBundle(Optional.of(rig.publicRoot))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                .withAccessLog(rig.log::add)
                .withIoThreads(2), rig.snapshot::get);
    }

    @AfterEach
    void stop() throws Exception {
        traffic.forEach(Traffic::stop);
        if (sidecar != null) {
            sidecar.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        sidecarProxy.close();
        gatewayProxy.close();
        rig.close();
    }

    @Test
    void aRotationDropsNoConnectionAndEndsWithTheOldRootRefused() throws Exception {
        traffic.add(Traffic.start("CONNECT tunnel", new TunnelExchanges(sidecar.address(), rig.publicCa)));
        traffic.add(Traffic.start("keep-alive HTTP", new KeepAliveExchanges(sidecar.address())));
        traffic.add(Traffic.start("new connections", new NewConnections(sidecar.address(), rig.publicCa)));
        IssuedCertificate oldRootLeaf = oldRoot.issueWorkload("default", "sleep", TTL);
        step("before the rotation: one root");
        assertGatewayAccepts(oldRootLeaf, true);

        // 1. the Secret gains the new root as trusted-only; the ConfigMap reaches the pods one at a time
        gatewayProxy.mount(oldRoot, newRoot);
        step("the gateway trusts both roots, the sidecar only the old one");
        sidecarProxy.mount(oldRoot, newRoot);
        step("every proxy trusts both roots");
        assertThat(sidecarTrustRootsMetric()).as("what the operator watches for step 1").isEqualTo(2);

        // 2. the Secret's signing root becomes the new one: renewals from now on come from it
        signer.set(newRoot);
        step("the control plane signs with the new root");

        // 3. every proxy renews (at two thirds of its lifetime, or a rollout restart), one at a time
        gatewayProxy.certificate.renewNow();
        assertThat(gatewayProxy.issuerRoot()).isEqualTo(newRoot.rootCertificate());
        step("the gateway presents a new-root certificate, the sidecar an old-root one");
        sidecarProxy.certificate.renewNow();
        assertThat(sidecarProxy.issuerRoot()).isEqualTo(newRoot.rootCertificate());
        step("every proxy presents a new-root certificate");
        assertGatewayAccepts(oldRootLeaf, true);

        // 4. the old root leaves the Secret, then the ConfigMap, then the pods
        sidecarProxy.mount(newRoot);
        step("the sidecar trusts only the new root");
        gatewayProxy.mount(newRoot);
        step("every proxy trusts only the new root");
        assertGatewayAccepts(oldRootLeaf, false);
        assertThat(sidecarTrustRootsMetric()).isEqualTo(1);

        for (Traffic t : traffic) {
            t.stop();
            assertThat(t.failures).as("%s: failures", t.name).isEmpty();
        }
    }

    @Test
    void signingWithARootThatPeersDoNotTrustYetBreaksNewConnections() throws Exception {
        // the step the procedure exists to avoid: it shows that the test above exercises new handshakes and trust
        signer.set(newRoot);
        gatewayProxy.certificate.renewNow();
        NewConnections fresh = new NewConnections(sidecar.address(), rig.publicCa);
        assertThat(attempt(fresh)).as("a new tunnel to a gateway whose certificate the sidecar does not trust").isFalse();
        sidecarProxy.mount(oldRoot, newRoot);
        assertThat(attempt(fresh)).as("the sidecar trusts the new root now, and its own certificate is still from the"
                + " old root, which the gateway trusts").isTrue();
        sidecarProxy.certificate.renewNow();
        assertThat(attempt(fresh)).as("a sidecar certificate from a root the gateway does not trust yet").isFalse();
    }

    private double sidecarTrustRootsMetric() throws Exception {
        String metrics = Rig.get(java.net.http.HttpClient.newHttpClient(),
                "http://127.0.0.1:" + sidecar.adminAddress().orElseThrow().getPort() + "/metrics").body();
        return CertificateMetricsTest.value(metrics, "tollgate_trust_roots");
    }

    private static boolean attempt(NewConnections fresh) {
        try {
            fresh.tunnel();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Lets the traffic run through a state of the rotation, then checks it all went through and kept going. */
    private void step(String state) throws Exception {
        long[] before = traffic.stream().mapToLong(t -> t.done.get()).toArray();
        Thread.sleep(TRAFFIC.toMillis());
        for (int i = 0; i < traffic.size(); i++) {
            Traffic t = traffic.get(i);
            long from = before[i];
            await(state + ": " + t.name + " makes progress", () -> t.done.get() > from + 2 || !t.failures.isEmpty());
            assertThat(t.failures).as("%s: %s", state, t.name).isEmpty();
        }
        IssuedCertificate stranger = unrelated.issueWorkload("default", "sleep", TTL);
        assertGatewayAccepts(stranger, false);
        assertGatewayAccepts(signer.get().issueWorkload("default", "sleep", TTL), true);
    }

    /** A client presenting {@code leaf} straight to the gateway's mTLS server on port 80, as an attacker could. */
    private void assertGatewayAccepts(IssuedCertificate leaf, boolean accepted) throws Exception {
        InetSocketAddress gw = gateway.listeners().get(80);
        String answer;
        try (SSLSocket s = (SSLSocket) clientPresenting(leaf).getSocketFactory().createSocket(gw.getAddress(), gw.getPort())) {
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(Rig.GOOGLE)));
            s.setSSLParameters(p);
            s.setSoTimeout(15_000);
            answer = ask(s);
        }
        if (accepted) {
            assertThat(answer).as("a certificate from root %s", leaf.chain().getLast().getSerialNumber())
                    .startsWith("HTTP/1.1 200");
        } else {
            assertThat(answer).as("a certificate from root %s", leaf.chain().getLast().getSerialNumber()).isEmpty();
        }
    }

    /** One request that closes the connection after its answer; a refused client certificate answers nothing. */
    private static String ask(SSLSocket s) {
        try {
            s.startHandshake();
            // TLS 1.3: the server checks the client's certificate after the client's side of the handshake is done
            return exchange(s, "GET /cert-probe HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\nConnection: close\r\n\r\n");
        } catch (IOException e) {
            return "";
        }
    }

    /** Presents {@code leaf}; trusts any server, since what is tested is the gateway's check of the client. */
    private static SSLContext clientPresenting(IssuedCertificate leaf) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", leaf.key(), new char[0], leaf.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), new TrustManager[]{new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    // ---- traffic

    /** One exchange of a stream of traffic; an exception is a failure. */
    interface Exchanges extends AutoCloseable {
        void next(long n) throws Exception;

        @Override
        default void close() {
        }
    }

    /** A thread running exchanges back to back until stopped, recording each failure (and stopping at the first). */
    static final class Traffic {
        final String name;
        final AtomicLong done = new AtomicLong();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        private Traffic(String name, Exchanges exchanges) {
            this.name = name;
            this.thread = new Thread(() -> {
                try (exchanges) {
                    while (running.get()) {
                        exchanges.next(done.get());
                        done.incrementAndGet();
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    if (running.get()) {
                        failures.add("after " + done.get() + " exchanges: " + e);
                    }
                }
            }, "rotation-traffic-" + name);
            thread.setDaemon(true);
        }

        static Traffic start(String name, Exchanges exchanges) {
            Traffic t = new Traffic(name, exchanges);
            t.thread.start();
            return t;
        }

        void stop() {
            if (running.getAndSet(false)) {
                try {
                    thread.join(20_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** One CONNECT tunnel through the sidecar and the gateway, opened once, carrying HTTPS exchanges for its whole life. */
    static final class TunnelExchanges implements Exchanges {
        final SSLSocket tls;

        TunnelExchanges(InetSocketAddress sidecar, TestPki publicCa) throws Exception {
            tls = NewConnections.openTunnel(sidecar, publicCa);
        }

        @Override
        public void next(long n) throws Exception {
            String resp = exchange(tls, "GET /tunnel-" + n + " HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\n\r\n");
            if (!resp.startsWith("HTTP/1.1 200") || !resp.contains("/tunnel-" + n)) {
                throw new IOException("unexpected answer in the tunnel: " + resp);
            }
        }

        @Override
        public void close() {
            try {
                tls.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    /** One client connection to the sidecar, kept alive, carrying plain HTTP that the gateway originates TLS for. */
    static final class KeepAliveExchanges implements Exchanges {
        final Socket socket;

        KeepAliveExchanges(InetSocketAddress sidecar) throws IOException {
            socket = new Socket(sidecar.getAddress(), sidecar.getPort());
            socket.setSoTimeout(15_000);
        }

        @Override
        public void next(long n) throws Exception {
            String resp = exchange(socket, "GET http://" + Rig.GOOGLE + "/keepalive-" + n + " HTTP/1.1\r\nHost: "
                    + Rig.GOOGLE + "\r\n\r\n");
            if (!resp.startsWith("HTTP/1.1 200") || !resp.contains("/keepalive-" + n)) {
                throw new IOException("unexpected answer on the kept-alive connection: " + resp);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    /** A new connection for every exchange, alternately a plain HTTP request and a CONNECT tunnel: new handshakes. */
    static final class NewConnections implements Exchanges {
        final InetSocketAddress sidecar;
        final TestPki publicCa;

        NewConnections(InetSocketAddress sidecar, TestPki publicCa) {
            this.sidecar = sidecar;
            this.publicCa = publicCa;
        }

        @Override
        public void next(long n) throws Exception {
            if (n % 2 == 0) {
                tunnel();
            } else {
                try (Socket s = new Socket(sidecar.getAddress(), sidecar.getPort())) {
                    s.setSoTimeout(15_000);
                    String resp = exchange(s, "GET http://" + Rig.GOOGLE + "/new-" + n + " HTTP/1.1\r\nHost: "
                            + Rig.GOOGLE + "\r\nConnection: close\r\n\r\n");
                    if (!resp.startsWith("HTTP/1.1 200")) {
                        throw new IOException("a new request was answered: " + resp);
                    }
                }
            }
        }

        void tunnel() throws Exception {
            try (SSLSocket tls = openTunnel(sidecar, publicCa)) {
                String resp = exchange(tls, "GET /new-tunnel HTTP/1.1\r\nHost: " + Rig.GOOGLE + "\r\nConnection: close\r\n\r\n");
                if (!resp.startsWith("HTTP/1.1 200")) {
                    throw new IOException("a new tunnel was answered: " + resp);
                }
            }
        }

        /** CONNECT through the sidecar, then TLS to the stand-in for developers.google.com inside the tunnel. */
        static SSLSocket openTunnel(InetSocketAddress sidecar, TestPki publicCa) throws Exception {
            Socket raw = new Socket(sidecar.getAddress(), sidecar.getPort());
            raw.setSoTimeout(15_000);
            OutputStream o = raw.getOutputStream();
            o.write(("CONNECT " + Rig.GOOGLE + ":443 HTTP/1.1\r\nHost: " + Rig.GOOGLE + ":443\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            o.flush();
            String head = readHead(raw.getInputStream());
            if (!head.startsWith("HTTP/1.1 200")) {
                raw.close();
                throw new IOException("CONNECT refused: " + head);
            }
            SSLSocket tls = (SSLSocket) publicCa.sslContext(null).getSocketFactory().createSocket(raw, Rig.GOOGLE, 443, true);
            tls.setSoTimeout(15_000);
            tls.startHandshake();
            return tls;
        }
    }

    /** Writes a request and reads one response (head and Content-Length body) from a kept connection. */
    static String exchange(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        String head = readHead(in);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new IOException("the connection closed in a response body");
        }
        return head + new String(body, StandardCharsets.ISO_8859_1);
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed before a response (" + head.size() + " bytes read)");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
