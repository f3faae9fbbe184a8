package dev.tollgate.control.ca;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Takes the caller's token from the {@code authorization: Bearer <token>} metadata, as istiod's CA reads it, and
 * refuses the call (UNAUTHENTICATED) before the service sees it when there is none. The token is handed to the
 * service through the call's {@link Context}, never logged.
 */
public final class BearerTokens implements ServerInterceptor {

    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> TOKEN = Context.key("tollgate-bearer-token");
    private static final String SCHEME = "bearer ";

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Optional<String> token = token(headers);
        if (token.isEmpty()) {
            call.close(Status.UNAUTHENTICATED.withDescription(
                    "no 'authorization: Bearer <token>' metadata: send the projected service-account token (audience "
                            + TokenReviewer.AUDIENCE + ")"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(Context.current().withValue(TOKEN, token.get()), call, headers, next);
    }

    /** The one bearer token of the metadata; empty when there is none, several, or a malformed one. */
    static Optional<String> token(Metadata headers) {
        Iterable<String> values = headers.getAll(AUTHORIZATION);
        List<String> all = new ArrayList<>();
        if (values != null) {
            values.forEach(all::add);
        }
        if (all.size() != 1) {
            return Optional.empty(); // several would be ambiguous: which one did the caller mean?
        }
        String value = all.getFirst();
        // RFC 7235: the scheme is case-insensitive
        if (value.length() <= SCHEME.length() || !value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return Optional.empty();
        }
        String token = value.substring(SCHEME.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return Optional.empty();
            }
        }
        return Optional.of(token);
    }
}
