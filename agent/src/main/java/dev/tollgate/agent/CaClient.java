package dev.tollgate.agent;

import dev.tollgate.api.ca.v1.CertificateServiceGrpc;
import dev.tollgate.api.ca.v1.CreateCertificateRequest;
import dev.tollgate.api.ca.v1.CreateCertificateResponse;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.RotatingCertificate;
import dev.tollgate.identity.TrustBundle;
import dev.tollgate.identity.SpiffeId;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A proxy's side of the CA: a fresh key and CSR for every certificate, sent with the projected token.
 *
 * <p>The key is made here and never leaves the proxy; the CSR names no identity, because the CA certifies the
 * one the token proves and refuses any other. The answer is checked before it is used: the certificate must be
 * for this key, signed by a trusted root, and carry a SPIFFE ID.
 *
 * <p>{@link #rotating()} keeps a certificate fresh with identity's {@link RotatingCertificate} rules (renewal at
 * two thirds of its life, retries with backoff).
 */
public final class CaClient implements AutoCloseable {

    public static final Path DEFAULT_TOKEN_FILE = TokenFileCredentials.DEFAULT_TOKEN_FILE;
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final ManagedChannel channel;
    private final CertificateServiceGrpc.CertificateServiceBlockingStub stub;
    private final TrustBundle trust;
    private final Duration requestedTtl;

    /**
     * @param target       a gRPC target, e.g. {@code dns:///tollgate-control.tollgate-system.svc:15012}
     * @param authority    the name the server's certificate must carry, e.g. {@code tollgate-control.tollgate-system.svc}
     * @param trustedRoots the mesh roots the server's and the issued certificates must chain to
     * @param tokenFile    the projected token, e.g. {@link #DEFAULT_TOKEN_FILE}; read anew for every request
     * @param requestedTtl the lifetime to ask for; the CA may cut it
     */
    public CaClient(String target, String authority, List<X509Certificate> trustedRoots, Path tokenFile, Duration requestedTtl) {
        this(target, authority, trustedRoots.isEmpty() ? null : TrustBundle.of(trustedRoots), tokenFile, requestedTtl);
    }

    /**
     * With roots that may change ({@code TrustBundle.watch(rootCertFile)}): during a root rotation the control plane's
     * certificate and the issued ones move to the new root, which each new connection and answer is checked against.
     */
    public CaClient(String target, String authority, TrustBundle trust, Path tokenFile, Duration requestedTtl) {
        if (trust == null) {
            throw new IllegalArgumentException("no trusted root");
        }
        this.trust = trust;
        this.requestedTtl = Objects.requireNonNull(requestedTtl, "requestedTtl");
        TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder().trustManager(trust.trustManager());
        this.channel = Grpc.newChannelBuilder(target, tls.build()).overrideAuthority(authority).build();
        this.stub = CertificateServiceGrpc.newBlockingStub(channel).withCallCredentials(new TokenFileCredentials(tokenFile));
    }

    /**
     * A new certificate for a new key.
     *
     * @throws IllegalStateException when the CA refuses or cannot be reached, or its answer is not acceptable
     */
    public IssuedCertificate requestCertificate() {
        KeyPair pair = MeshCa.newWorkloadKeyPair();
        CreateCertificateResponse response;
        try {
            response = stub.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .createCertificate(CreateCertificateRequest.newBuilder()
                            .setCsr(csr(pair))
                            .setValidityDurationSeconds(requestedTtl.toSeconds())
                            .build());
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException("the CA did not issue a certificate: " + e.getStatus().getCode()
                    + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()), e);
        }
        return accepted(pair, response);
    }

    /** A certificate that renews itself through this client; the first is requested now. */
    public RotatingCertificate rotating() {
        return new RotatingCertificate(this::requestCertificate, Clock.systemUTC());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private IssuedCertificate accepted(KeyPair pair, CreateCertificateResponse response) {
        List<X509Certificate> chain = new ArrayList<>();
        for (String pem : response.getCertChainList()) {
            chain.addAll(PemFiles.parseCertificates(pem, "the CA's answer"));
        }
        if (chain.isEmpty()) {
            throw new IllegalStateException("the CA answered with no certificate");
        }
        X509Certificate leaf = chain.getFirst();
        if (!leaf.getPublicKey().equals(pair.getPublic())) {
            throw new IllegalStateException("the CA answered with a certificate for another key");
        }
        if (trust.roots().stream().noneMatch(root -> signedBy(leaf, root))) {
            throw new IllegalStateException("the CA answered with a certificate that no trusted root signed");
        }
        if (SpiffeId.fromCertificate(leaf).isEmpty()) {
            throw new IllegalStateException("the CA answered with a certificate that carries no SPIFFE ID");
        }
        return new IssuedCertificate(pair.getPrivate(), leaf, chain);
    }

    private static boolean signedBy(X509Certificate leaf, X509Certificate root) {
        try {
            leaf.verify(root.getPublicKey());
            return leaf.getIssuerX500Principal().equals(root.getSubjectX500Principal());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A PKCS#10 request with an empty subject and no extensions: the CA decides the identity. */
    static String csr(KeyPair pair) {
        try {
            var request = new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), pair.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
                writer.writeObject(request);
            }
            return out.toString();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("no SHA256withECDSA signer", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
