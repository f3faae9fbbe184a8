package dev.tollgate.core.model;

/**
 * Istio's {@code meshConfig.pathNormalization.normalization}
 * (istio.io/latest/docs/reference/config/security/normalization/): how the proxy normalizes the request path before
 * authorization policies see it. {@code DEFAULT} in the MeshConfig proto means {@link #BASE}.
 */
public enum PathNormalization {
    /** No normalization: policies match the path exactly as the client sent it. */
    NONE,
    /** RFC 3986 normalization: unreserved %-escapes decoded, {@code \} as {@code /}, dot segments resolved. */
    BASE,
    /** {@link #BASE}, then repeated slashes merged. */
    MERGE_SLASHES,
    /** {@code %2F} {@code %2f} {@code %5C} {@code %5c} decoded first, then {@link #MERGE_SLASHES}. */
    DECODE_AND_MERGE_SLASHES
}
