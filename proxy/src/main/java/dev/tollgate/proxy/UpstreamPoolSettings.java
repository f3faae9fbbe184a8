package dev.tollgate.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how many idle upstream connections a proxy keeps for reuse ({@link UpstreamPool}).
 *
 * @param idle          how long a connection to an origin (direct HTTP or TLS origination) may wait for reuse: below
 *                      common server keep-alive timeouts (5 s for Apache httpd and Node.js), so the origin rarely
 *                      closes it first
 * @param meshIdle      the same for mTLS connections to the egress gateway, whose idle timeout Tollgate knows to be
 *                      long: they stay warm so that a sidecar does not pay an mTLS handshake after a pause
 * @param maxAge        no connection is reused once older than this (a renewed workload certificate is used soon)
 * @param maxIdlePerKey idle connections kept per upstream key and event loop
 * @param maxIdle       idle connections kept in all; 0 turns reuse off
 */
public record UpstreamPoolSettings(Duration idle, Duration meshIdle, Duration maxAge, int maxIdlePerKey, int maxIdle) {
    public static final UpstreamPoolSettings DEFAULTS = new UpstreamPoolSettings(Duration.ofSeconds(4),
            Duration.ofSeconds(60), Duration.ofMinutes(10), 32, 1024);

    public UpstreamPoolSettings {
        Objects.requireNonNull(idle, "idle");
        Objects.requireNonNull(meshIdle, "meshIdle");
        Objects.requireNonNull(maxAge, "maxAge");
        if (idle.isNegative() || meshIdle.isNegative() || maxAge.isNegative() || maxIdlePerKey < 0 || maxIdle < 0) {
            throw new IllegalArgumentException("upstream pool settings must not be negative: idle " + idle
                    + ", mesh idle " + meshIdle + ", max age " + maxAge + ", per key " + maxIdlePerKey + ", in all "
                    + maxIdle);
        }
    }

    public UpstreamPoolSettings withIdle(Duration d) {
        return new UpstreamPoolSettings(d, meshIdle, maxAge, maxIdlePerKey, maxIdle);
    }

    public UpstreamPoolSettings withMaxAge(Duration d) {
        return new UpstreamPoolSettings(idle, meshIdle, d, maxIdlePerKey, maxIdle);
    }

    public UpstreamPoolSettings withMaxIdle(int perKey, int total) {
        return new UpstreamPoolSettings(idle, meshIdle, maxAge, perKey, total);
    }
}
