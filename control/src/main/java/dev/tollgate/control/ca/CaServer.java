package dev.tollgate.control.ca;

import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.RotatingCertificate;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.util.AdvancedTlsX509KeyManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The CA's gRPC server, on TLS that authenticates only the server: a proxy asking for its first certificate
 * has none to present, so it proves itself with its token instead (as with istiod's CA on port 15012).
 *
 * <p>The serving certificate is issued by the same mesh CA for the control plane's Service names, so a proxy
 * needs to trust only the mesh root, which it needs anyway. It renews itself with {@link RotatingCertificate};
 * connections made after a renewal get the new one, open ones keep theirs.
 */
public final class CaServer implements AutoCloseable {

    /** Istio's workload default; the serving certificate renews at two thirds of it. */
    static final Duration SERVING_TTL = MeshCa.DEFAULT_WORKLOAD_TTL;
    /** A CSR request is under 2 KiB; anything far larger is refused before it is parsed. */
    static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final Server server;
    private final RotatingCertificate servingCertificate;

    private CaServer(Server server, RotatingCertificate servingCertificate) {
        this.server = server;
        this.servingCertificate = servingCertificate;
    }

    /**
     * Starts serving on {@code address} (port 0 picks a free one).
     *
     * @param serviceNames the DNS names proxies dial, e.g. {@code tollgate-control.tollgate-system.svc}
     */
    public static CaServer start(InetSocketAddress address, MeshCa ca, CertificateService service, List<String> serviceNames) {
        return start(address, () -> ca, service, serviceNames, SERVING_TTL);
    }

    /**
     * Starts serving with a CA that may change (a {@link CaSecretWatch}): the serving certificate comes from the CA in
     * force when it is issued; call {@link #reissueServingCertificate()} when the signing root changes.
     */
    public static CaServer start(InetSocketAddress address, Supplier<MeshCa> ca, CertificateService service,
                                 List<String> serviceNames) {
        return start(address, ca, service, serviceNames, SERVING_TTL);
    }

    /** With a serving certificate lifetime of {@code servingTtl}: tests watch it renew in seconds. */
    static CaServer start(InetSocketAddress address, MeshCa ca, CertificateService service, List<String> serviceNames,
                          Duration servingTtl) {
        return start(address, () -> ca, service, serviceNames, servingTtl);
    }

    static CaServer start(InetSocketAddress address, Supplier<MeshCa> ca, CertificateService service,
                          List<String> serviceNames, Duration servingTtl) {
        RotatingCertificate serving = new RotatingCertificate(() -> ca.get().issueServer(serviceNames, servingTtl),
                Clock.systemUTC());
        AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
        load(keys, serving.current());
        serving.addListener(c -> load(keys, c));
        Server server = NettyServerBuilder.forAddress(address, TlsServerCredentials.newBuilder().keyManager(keys).build())
                .addService(ServerInterceptors.intercept(service, new BearerTokens()))
                .maxInboundMessageSize(MAX_REQUEST_BYTES)
                // a client that never finishes its handshake must not hold a connection for long
                .handshakeTimeout(10, TimeUnit.SECONDS)
                // proxies keep one connection open; let their keepalive pings through, but not a flood of them
                .permitKeepAliveTime(30, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build();
        try {
            server.start();
        } catch (IOException e) {
            serving.close();
            throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        return new CaServer(server, serving);
    }

    public int port() {
        return server.getPort();
    }

    /**
     * Issues the serving certificate again now, from the CA in force: after the signing root changed, so that the
     * control plane's own certificate moves to the new root with the proxies'. Proxies trust both roots by then
     * (the rotation trusts the new root before it signs), so either certificate is accepted meanwhile.
     */
    public void reissueServingCertificate() {
        servingCertificate.renewNow();
    }

    /** The certificate the server presents now. */
    public IssuedCertificate servingCertificate() {
        return servingCertificate.current();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            servingCertificate.close();
        }
    }

    private static void load(AdvancedTlsX509KeyManager keys, IssuedCertificate c) {
        keys.updateIdentityCredentials(c.chain().toArray(X509Certificate[]::new), c.key());
    }
}
