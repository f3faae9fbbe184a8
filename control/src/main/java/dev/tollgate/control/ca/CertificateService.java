package dev.tollgate.control.ca;

import dev.tollgate.api.ca.v1.CertificateServiceGrpc;
import dev.tollgate.api.ca.v1.CreateCertificateRequest;
import dev.tollgate.api.ca.v1.CreateCertificateResponse;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.SpiffeId;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code tollgate.ca.v1.CertificateService}: signs a workload's CSR for exactly the identity its token proves.
 *
 * <p>Status codes tell the caller what to do: UNAUTHENTICATED (no token, or a token that proves nothing: get a
 * fresh one), UNAVAILABLE (the API server could not review the token: retry later; nothing was issued),
 * PERMISSION_DENIED (the CSR asks for another identity), INVALID_ARGUMENT (the CSR is unusable).
 *
 * <p>Validity: {@code validity_duration_seconds} of 0 or less asks for the default (as istiod does), and a
 * longer one than the maximum is cut to the maximum. istiod refuses a too-long request instead; Tollgate's
 * proxies would only retry with a shorter one, so cutting it gives the same certificate one round trip sooner.
 */
public final class CertificateService extends CertificateServiceGrpc.CertificateServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(CertificateService.class);

    private final Supplier<MeshCa> ca;
    private final TokenReviewer reviewer;
    private final Duration defaultTtl;
    private final Duration maxTtl;
    private final Optional<IssuedPerRoot> ledger;

    public CertificateService(MeshCa ca, TokenReviewer reviewer) {
        this(ca, reviewer, MeshCa.DEFAULT_WORKLOAD_TTL, MeshCa.MAX_TTL);
    }

    public CertificateService(MeshCa ca, TokenReviewer reviewer, Duration defaultTtl, Duration maxTtl) {
        this(() -> ca, reviewer, defaultTtl, maxTtl, Optional.empty());
    }

    /**
     * @param ca     the CA to sign with, asked on every request: a {@link CaSecretWatch}, so that a root rotation
     *               takes effect for the next request
     * @param ledger where each issued certificate is counted by root, for the rotation's metrics
     */
    public CertificateService(Supplier<MeshCa> ca, TokenReviewer reviewer, Duration defaultTtl, Duration maxTtl,
                              Optional<IssuedPerRoot> ledger) {
        Objects.requireNonNull(ca.get(), "ca");
        this.ca = ca;
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.reviewer = Objects.requireNonNull(reviewer, "reviewer");
        if (defaultTtl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException("the default lifetime " + defaultTtl + " exceeds the maximum " + maxTtl);
        }
        this.defaultTtl = defaultTtl;
        this.maxTtl = maxTtl;
    }

    /** The service with the interceptor that reads its callers' bearer tokens, as a server should register it. */
    public io.grpc.ServerServiceDefinition authenticated() {
        return io.grpc.ServerInterceptors.intercept(this, new BearerTokens());
    }

    @Override
    public void createCertificate(CreateCertificateRequest request, StreamObserver<CreateCertificateResponse> response) {
        String token = BearerTokens.TOKEN.get();
        if (token == null) { // only when the service is registered without BearerTokens in front of it
            response.onError(Status.UNAUTHENTICATED.withDescription("no bearer token").asRuntimeException());
            return;
        }
        SpiffeId identity;
        try {
            identity = reviewer.review(token);
        } catch (TokenRefusedException e) {
            boolean apiDown = e.reason() == TokenRefusedException.Reason.API_ERROR;
            log.warn("refused a certificate request: {}: {}", e.reason(), e.getMessage());
            Status status = apiDown ? Status.UNAVAILABLE : Status.UNAUTHENTICATED;
            response.onError(status.withDescription(e.reason() + ": " + e.getMessage()
                    + (apiDown ? "; no certificate was issued, retry later" : "")).asRuntimeException());
            return;
        }
        PublicKey key;
        try {
            key = CertificateRequests.verifiedKey(request.getCsr(), identity);
        } catch (CsrRefusedException e) {
            log.warn("refused the CSR of {}: {}", identity, e.getMessage());
            Status status = e.asksForAnotherIdentity() ? Status.PERMISSION_DENIED : Status.INVALID_ARGUMENT;
            response.onError(status.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        List<X509Certificate> chain;
        try {
            chain = ca.get().signWorkload(identity, key, ttl(request.getValidityDurationSeconds()));
        } catch (RuntimeException e) {
            log.error("cannot sign a certificate for {}", identity, e);
            response.onError(Status.INTERNAL.withDescription("the CA cannot sign: " + e.getMessage()).asRuntimeException());
            return;
        }
        log.info("issued a certificate for {} until {} from root {}", identity, chain.getFirst().getNotAfter().toInstant(),
                Roots.fingerprint(chain.getLast()));
        ledger.ifPresent(l -> l.issued(chain.getLast(), chain.getFirst().getNotAfter().toInstant()));
        CreateCertificateResponse.Builder out = CreateCertificateResponse.newBuilder();
        // one certificate per entry, leaf first, as istiod answers
        chain.forEach(c -> out.addCertChain(PemFiles.toPem(List.of(c))));
        response.onNext(out.build());
        response.onCompleted();
    }

    Duration ttl(long requestedSeconds) {
        if (requestedSeconds <= 0) {
            return defaultTtl;
        }
        return requestedSeconds >= maxTtl.toSeconds() ? maxTtl : Duration.ofSeconds(requestedSeconds);
    }
}
