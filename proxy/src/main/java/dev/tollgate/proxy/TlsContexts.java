package dev.tollgate.proxy;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The TLS contexts a proxy uses, built once and rebuilt only when the workload certificate or the mesh roots change
 * (a renewal, a root rotation): a new connection gets the new context, an established one keeps its session.
 * BoringSSL (netty-tcnative) where it loads, the JDK's TLS otherwise.
 */
final class TlsContexts {
    static final SslProvider PROVIDER = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /**
     * Netty passes our key to the key manager through an in-memory key store, with no password. PKCS12 (the default)
     * would still encrypt and decrypt it with 10,000 PBKDF2 rounds each way, 0.3-1.3 s of a cold proxy's start (and
     * again on every certificate rotation); JKS's protection costs nothing. The store never leaves this process.
     */
    private static final String KEY_STORE = "JKS";

    private final MeshIdentity identity;
    private final Optional<Path> caBundle;
    private final AtomicReference<Built> meshServer = new AtomicReference<>();
    private final AtomicReference<Built> meshClient = new AtomicReference<>();
    private final Map<OriginateKey, SslContext> originate = new ConcurrentHashMap<>();
    /** The trust domains a client of {@link #meshServer()} may belong to; empty: not checked (no configuration). */
    private volatile java.util.function.Supplier<Optional<java.util.Set<String>>> peerTrustDomains = Optional::empty;

    private record OriginateKey(Optional<String> caCertificates, boolean verifyHostName) {
    }

    private record Built(CertifiedKey key, List<X509Certificate> roots, SslContext context) {
    }

    /** @param caBundle trust for TLS origination instead of the system's ({@code --ca-bundle}) */
    TlsContexts(MeshIdentity identity, Optional<Path> caBundle) {
        this.identity = identity;
        this.caBundle = caBundle;
    }

    MeshIdentity identity() {
        return identity;
    }

    /** Where {@link #meshServer()} reads the trust domains its clients may belong to, on every handshake. */
    void peerTrustDomains(java.util.function.Supplier<Optional<java.util.Set<String>>> domains) {
        this.peerTrustDomains = domains;
    }

    /**
     * ISTIO_MUTUAL server: presents the workload certificate, requires a client certificate from the mesh CA with a
     * SPIFFE identity of the mesh's trust domains; {@link MeshPeerTrust} says which check a refused one failed.
     */
    SslContext meshServer() throws SSLException {
        CertifiedKey key = identity.certificate().get();
        List<X509Certificate> roots = identity.trustRoots();
        Built b = meshServer.get();
        if (b == null || !same(b.key, key) || b.roots != roots) {
            SslContext ctx = SslContextBuilder.forServer(key.key(), key.chain()).keyStoreType(KEY_STORE)
                    .sslProvider(PROVIDER).protocols(PROTOCOLS)
                    .trustManager(new MeshPeerTrust(roots, () -> peerTrustDomains.get()))
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
            b = new Built(key, roots, ctx);
            meshServer.set(b);
        }
        return b.context;
    }

    /** The same key and leaf objects: suppliers may wrap the same certificate in a new record on every call. */
    private static boolean same(CertifiedKey a, CertifiedKey b) {
        return a.key() == b.key() && a.leaf() == b.leaf();
    }

    /**
     * ISTIO_MUTUAL client: presents the workload certificate and trusts the mesh CA. The peer is checked by its SPIFFE
     * identity after the handshake, not by host name (as Istio's sidecars do).
     */
    SslContext meshClient() throws SSLException {
        CertifiedKey key = identity.certificate().get();
        List<X509Certificate> roots = identity.trustRoots();
        Built b = meshClient.get();
        if (b == null || !same(b.key, key) || b.roots != roots) {
            SslContext ctx = SslContextBuilder.forClient()
                    .sslProvider(PROVIDER).protocols(PROTOCOLS)
                    .keyManager(key.key(), key.chain()).keyStoreType(KEY_STORE)
                    .trustManager(roots)
                    .endpointIdentificationAlgorithm(null)
                    .build();
            b = new Built(key, roots, ctx);
            meshClient.set(b);
        }
        return b.context;
    }

    /** {@link #originate(Optional, boolean)} with host name verification against the SNI. */
    SslContext originate(Optional<String> ruleCaCertificates) throws SSLException {
        return originate(ruleCaCertificates, true);
    }

    /**
     * TLS origination (DestinationRule SIMPLE): verifies the upstream against the system trust store, the proxy's
     * {@code --ca-bundle}, or the DestinationRule's {@code caCertificates}; with host name verification unless the
     * caller checks the rule's {@code subjectAltNames} itself.
     */
    SslContext originate(Optional<String> ruleCaCertificates, boolean verifyHostName) throws SSLException {
        try {
            return originate.computeIfAbsent(new OriginateKey(ruleCaCertificates, verifyHostName), k -> {
                try {
                    SslContextBuilder b = SslContextBuilder.forClient().sslProvider(PROVIDER).protocols(PROTOCOLS)
                            .endpointIdentificationAlgorithm(k.verifyHostName() ? "HTTPS" : null);
                    Optional<Path> bundle = k.caCertificates().map(Path::of).or(() -> caBundle);
                    if (bundle.isPresent()) {
                        b.trustManager(readCertificates(bundle.get()));
                    }
                    return b.build();
                } catch (IOException | CertificateException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
        } catch (IllegalStateException e) {
            throw new SSLException("cannot build the TLS origination context: " + e.getMessage(), e);
        }
    }

    static List<X509Certificate> readCertificates(Path pem) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
        }
    }
}
