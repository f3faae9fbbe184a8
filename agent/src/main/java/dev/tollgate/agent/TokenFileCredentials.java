package dev.tollgate.agent;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.SecurityLevel;
import io.grpc.Status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Sends the projected service-account token as {@code authorization: Bearer <token>}, read from its file on
 * every call: the kubelet rewrites the file before the token expires (at 80% of its life), so a token read
 * once would be refused as expired a few hours later.
 *
 * <p>It refuses to send the token on a channel without privacy and integrity: a token seen by a third party
 * would let it mint this workload's certificates until the token expires.
 */
final class TokenFileCredentials extends CallCredentials {

    /** Where {@code tollgate inject} mounts the projected token (audience {@code tollgate}). */
    /** The header the CA reads the token from, as gRPC's own auth and Istio's CA client send it. */
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    static final Path DEFAULT_TOKEN_FILE = Path.of("/var/run/secrets/tokens/tollgate-token");
    /** A service-account JWT is about 1 KiB; a much larger file is not one. */
    static final long MAX_TOKEN_BYTES = 16 * 1024;

    private final Path file;

    TokenFileCredentials(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        if (info.getSecurityLevel() != SecurityLevel.PRIVACY_AND_INTEGRITY) {
            applier.fail(Status.UNAUTHENTICATED.withDescription("refusing to send the service-account token on a channel without TLS"));
            return;
        }
        executor.execute(() -> {
            try {
                Metadata metadata = new Metadata();
                metadata.put(AUTHORIZATION, "Bearer " + read(file));
                applier.apply(metadata);
            } catch (IOException | RuntimeException e) {
                applier.fail(Status.UNAUTHENTICATED.withDescription("cannot read the service-account token " + file + ": " + e.getMessage()).withCause(e));
            }
        });
    }

    static String read(Path file) throws IOException {
        if (Files.size(file) > MAX_TOKEN_BYTES) {
            throw new IOException("larger than " + MAX_TOKEN_BYTES + " bytes; not a service-account token");
        }
        String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (token.isEmpty()) {
            throw new IOException("the file is empty");
        }
        return token;
    }
}
