package dev.tollgate.core.authz;

import dev.tollgate.core.model.HttpRequestInfo;

import java.util.Objects;
import java.util.Optional;

/**
 * The attributes AuthorizationPolicy conditions read, for one connection (TCP: {@code http} empty) or one HTTP
 * request. Unauthenticated peers have no principal and no namespace, as in Istio.
 */
public record AuthzRequest(Optional<String> sourcePrincipal, Optional<String> sourceNamespace, String sourceIp,
                           String remoteIp, String destinationIp, int destinationPort, Optional<String> sni,
                           Optional<HttpRequestInfo> http) {
    public AuthzRequest {
        sourcePrincipal = sourcePrincipal == null ? Optional.empty() : sourcePrincipal;
        sourceNamespace = sourceNamespace == null ? Optional.empty() : sourceNamespace;
        Objects.requireNonNull(sourceIp);
        Objects.requireNonNull(remoteIp);
        Objects.requireNonNull(destinationIp);
        sni = sni == null ? Optional.empty() : sni;
        http = http == null ? Optional.empty() : http;
    }

    public boolean isTcp() {
        return http.isEmpty();
    }
}
