package dev.tollgate.control.push;

import dev.tollgate.identity.SpiffeId;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Authenticates a call by the workload certificate the client presented in the TLS handshake. The server asks for a
 * client certificate without requiring one (the CA service on the same port serves proxies that have none yet), so
 * the handshake has already checked any certificate presented against the mesh root; what is left is to refuse a
 * call that came without one, and to say whose it is.
 */
final class WorkloadCertificates implements ServerInterceptor {
    /** The SPIFFE identity of the calling workload, for the service to compare with the node it names. */
    static final Context.Key<SpiffeId> IDENTITY = Context.key("tollgate-workload-identity");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Optional<SpiffeId> identity = identity(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (identity.isEmpty()) {
            call.close(Status.UNAUTHENTICATED.withDescription("the ConfigService needs the workload's client "
                    + "certificate (mutual TLS) with a SPIFFE identity; get one from the CertificateService first"),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(Context.current().withValue(IDENTITY, identity.get()), call, headers, next);
    }

    static Optional<SpiffeId> identity(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return SpiffeId.fromCertificate(leaf);
    }
}
