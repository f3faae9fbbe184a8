package dev.tollgate.control.ca;

/**
 * A service-account token that proves no identity: the CA issues nothing for it.
 *
 * <p>The reason is kept apart from the message so that the gRPC service can map an API failure (worth retrying)
 * and a refused token (not worth retrying with the same token) to different status codes.
 */
public final class TokenRefusedException extends Exception {

    /** Why a token was refused. */
    public enum Reason {
        /** The API server says the token is not valid: unknown, expired, revoked, or its pod is gone. */
        NOT_AUTHENTICATED,
        /** The token is valid but not for audience {@code tollgate}: it was meant for someone else. */
        WRONG_AUDIENCE,
        /** The token belongs to a user or node, not a service account. */
        NOT_A_SERVICE_ACCOUNT,
        /** The review names a service account, but not as {@code system:serviceaccount:NS:SA} with valid names. */
        MALFORMED_USERNAME,
        /** The TokenReview API could not be asked or gave no usable answer; the CA fails closed. */
        API_ERROR
    }

    private final Reason reason;

    public TokenRefusedException(Reason reason, String message) {
        this(reason, message, null);
    }

    public TokenRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
