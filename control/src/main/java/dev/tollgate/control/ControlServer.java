package dev.tollgate.control;

import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.TrustBundle;
import dev.tollgate.identity.RotatingCertificate;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
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
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's one gRPC server (istiod's port 15012): the CA's CertificateService and the config push's
 * ConfigService on one TLS port.
 *
 * <p>Client certificates are asked for but optional: a proxy asking for its first certificate has none, and proves
 * itself with its token instead (the CA service's own interceptor), while the ConfigService requires one (its
 * interceptor refuses a call without). A certificate that is presented must chain to the mesh root, or the handshake
 * fails; so a service that reads the peer's certificate reads one this CA issued.
 *
 * <p>The serving certificate is issued by the same mesh CA for the control plane's Service names, so a proxy needs to
 * trust only the mesh root, which it needs anyway. It renews itself with {@link RotatingCertificate}; connections
 * made after a renewal get the new one, open ones keep theirs.
 */
public final class ControlServer implements AutoCloseable {

    /** Istio's workload default; the serving certificate renews at two thirds of it. */
    public static final Duration SERVING_TTL = MeshCa.DEFAULT_WORKLOAD_TTL;
    /**
     * A CSR request is under 2 KiB and a config request (a node and its labels) a few; anything far larger is refused
     * before it is parsed.
     */
    static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final Server server;
    private final RotatingCertificate servingCertificate;

    private ControlServer(Server server, RotatingCertificate servingCertificate) {
        this.server = server;
        this.servingCertificate = servingCertificate;
    }

    /**
     * Starts serving {@code services}, each already wrapped in the interceptor that authenticates its callers, on
     * {@code address} (port 0 picks a free one).
     *
     * @param serviceNames the DNS names proxies dial, e.g. {@code tollgate-control.tollgate-system.svc}
     */
    public static ControlServer start(InetSocketAddress address, MeshCa ca, List<String> serviceNames,
                                      List<ServerServiceDefinition> services) {
        return start(address, ca, serviceNames, SERVING_TTL, services);
    }

    /** With a serving certificate lifetime of {@code servingTtl}: tests watch it renew in seconds. */
    public static ControlServer start(InetSocketAddress address, MeshCa ca, List<String> serviceNames,
                                      Duration servingTtl, List<ServerServiceDefinition> services) {
        return start(address, () -> ca, () -> List.of(ca.rootCertificate()), serviceNames, servingTtl, services);
    }

    /**
     * With a CA that may change (a {@link dev.tollgate.control.ca.CaSecretWatch} through a root rotation): the
     * serving certificate comes from the CA in force when it is issued ({@link #reissueServingCertificate()} after
     * the signing root changed), and a client certificate may chain to any root {@code trustedRoots} gives at its
     * handshake, so proxies keep connecting while some still hold certificates from the old root.
     */
    public static ControlServer start(InetSocketAddress address, Supplier<MeshCa> ca,
                                      Supplier<List<X509Certificate>> trustedRoots, List<String> serviceNames,
                                      Duration servingTtl, List<ServerServiceDefinition> services) {
        RotatingCertificate serving = new RotatingCertificate(() -> ca.get().issueServer(serviceNames, servingTtl),
                Clock.systemUTC());
        AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
        load(keys, serving.current());
        serving.addListener(c -> load(keys, c));
        TlsServerCredentials credentials = (TlsServerCredentials) TlsServerCredentials.newBuilder().keyManager(keys)
                .trustManager(TrustBundle.trustManager(trustedRoots))
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address, credentials)
                .maxInboundMessageSize(MAX_REQUEST_BYTES)
                // a client that never finishes its handshake must not hold a connection for long
                .handshakeTimeout(10, TimeUnit.SECONDS)
                // proxies keep one connection open; let their keepalive pings through, but not a flood of them
                .permitKeepAliveTime(30, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        services.forEach(builder::addService);
        Server server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            serving.close();
            throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        return new ControlServer(server, serving);
    }

    public int port() {
        return server.getPort();
    }

    /**
     * Issues the serving certificate again now, from the CA in force: after the signing root changed, so that the
     * control plane's own certificate moves to the new root with the proxies'. Proxies trust both roots by then
     * (a rotation trusts the new root before it signs with it), so either certificate is accepted meanwhile.
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
