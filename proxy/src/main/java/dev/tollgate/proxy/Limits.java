package dev.tollgate.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * What one proxy lets a client hold or ask for, so that no client (hostile or broken) can exhaust it. Every
 * refusal is counted as {@code tollgate_limit_rejections_total{limit=...}} and logged with its reason; proxy/README.md
 * lists each limit with its default.
 *
 * @param headerTimeout              a request head (request line and headers) must arrive whole within this time
 *                                   from its first byte, however the bytes trickle (408, then close); at the gateway
 *                                   it also bounds the TLS ClientHello and the mTLS handshake from accept
 * @param maxRequestLine             longest request line, in bytes (414)
 * @param maxHeaders                 largest header block, in bytes (431)
 * @param maxConnections             data-plane client connections one proxy holds at most (503 / close); lowered at
 *                                   start when the file-descriptor limit could not hold them (see
 *                                   {@link ConnectionLimits#ceiling})
 * @param maxConnectionsPerSource    client connections from one IP address (429 / close); 0: no per-address limit
 * @param maxConnectionsPerPrincipal gateway only: mTLS connections from one SPIFFE principal (429 / close); 0: none
 * @param requestRate                requests (CONNECT included; at the gateway also TLS/TCP connections) per second
 *                                   from one principal at the gateway (its address without mTLS), or from one client
 *                                   address at the sidecar, beyond which it answers 429; 0: no rate limit
 * @param requestBurst               how many requests above the rate a client may send at once (the token bucket's
 *                                   size); 0: one second's worth
 * @param maxTunnelLifetime          a tunnel (sidecar CONNECT, gateway TLS/TCP server) is closed this long after it
 *                                   was joined, even while bytes flow (Envoy's max_downstream_connection_duration);
 *                                   zero: no limit, idle tunnels still close on the idle timeout
 * @param maxPipelinedRequests       requests a client may pipeline behind the one being served before the proxy
 *                                   stops reading its connection; they are still served, in order, as responses
 *                                   drain (see {@link PipelineGate}); nothing is refused
 */
public record Limits(Duration headerTimeout, int maxRequestLine, int maxHeaders, int maxConnections,
                     int maxConnectionsPerSource, int maxConnectionsPerPrincipal, double requestRate,
                     int requestBurst, int maxPipelinedRequests, Duration maxTunnelLifetime) {

    /** 10 s head, 8 KiB line, 32 KiB headers, 32768 connections, 16384 per source and per principal, no rate limit. */
    public static final Limits DEFAULTS = new Limits(Duration.ofSeconds(10), 8192, 32 * 1024, 32768, 16384, 16384,
            0, 0, PipelineGate.DEFAULT_DEPTH, Duration.ZERO);

    public Limits {
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("the header timeout must be positive: " + headerTimeout);
        }
        positive(maxRequestLine, "the request line limit");
        positive(maxHeaders, "the header size limit");
        positive(maxConnections, "the connection ceiling");
        notNegative(maxConnectionsPerSource, "the per-source connection limit");
        notNegative(maxConnectionsPerPrincipal, "the per-principal connection limit");
        if (!(requestRate >= 0) || Double.isInfinite(requestRate)) {
            throw new IllegalArgumentException("the request rate must be 0 (off) or positive: " + requestRate);
        }
        notNegative(requestBurst, "the request burst");
        positive(maxPipelinedRequests, "the pipelining depth");
        Objects.requireNonNull(maxTunnelLifetime, "maxTunnelLifetime");
        if (maxTunnelLifetime.isNegative()) {
            throw new IllegalArgumentException("the maximum tunnel lifetime must be 0 (none) or positive: "
                    + maxTunnelLifetime);
        }
    }

    private static void positive(int n, String what) {
        if (n <= 0) {
            throw new IllegalArgumentException(what + " must be positive: " + n);
        }
    }

    private static void notNegative(int n, String what) {
        if (n < 0) {
            throw new IllegalArgumentException(what + " must be 0 (none) or positive: " + n);
        }
    }

    /** The token bucket's size: the burst, or one second's worth of the rate (at least one request). */
    int bucketSize() {
        return requestBurst > 0 ? requestBurst : (int) Math.max(1, Math.ceil(requestRate));
    }

    public Limits withHeaderTimeout(Duration d) {
        return new Limits(d, maxRequestLine, maxHeaders, maxConnections, maxConnectionsPerSource,
                maxConnectionsPerPrincipal, requestRate, requestBurst, maxPipelinedRequests, maxTunnelLifetime);
    }

    public Limits withMaxRequestLine(int n) {
        return new Limits(headerTimeout, n, maxHeaders, maxConnections, maxConnectionsPerSource,
                maxConnectionsPerPrincipal, requestRate, requestBurst, maxPipelinedRequests, maxTunnelLifetime);
    }

    public Limits withMaxHeaders(int n) {
        return new Limits(headerTimeout, maxRequestLine, n, maxConnections, maxConnectionsPerSource,
                maxConnectionsPerPrincipal, requestRate, requestBurst, maxPipelinedRequests, maxTunnelLifetime);
    }

    public Limits withMaxConnections(int n) {
        return new Limits(headerTimeout, maxRequestLine, maxHeaders, n, maxConnectionsPerSource,
                maxConnectionsPerPrincipal, requestRate, requestBurst, maxPipelinedRequests, maxTunnelLifetime);
    }

    public Limits withMaxConnectionsPerSource(int n) {
        return new Limits(headerTimeout, maxRequestLine, maxHeaders, maxConnections, n,
                maxConnectionsPerPrincipal, requestRate, requestBurst, maxPipelinedRequests, maxTunnelLifetime);
    }

    public Limits withMaxConnectionsPerPrincipal(int n) {
        return new Limits(headerTimeout, maxRequestLine, maxHeaders, maxConnections, maxConnectionsPerSource, n,
                requestRate, requestBurst, maxPipelinedRequests, maxTunnelLifetime);
    }

    /** @param perSecond 0 turns the rate limit off */
    public Limits withRequestRate(double perSecond, int burst) {
        return new Limits(headerTimeout, maxRequestLine, maxHeaders, maxConnections, maxConnectionsPerSource,
                maxConnectionsPerPrincipal, perSecond, burst, maxPipelinedRequests, maxTunnelLifetime);
    }

    public Limits withMaxPipelinedRequests(int n) {
        return new Limits(headerTimeout, maxRequestLine, maxHeaders, maxConnections, maxConnectionsPerSource,
                maxConnectionsPerPrincipal, requestRate, requestBurst, n, maxTunnelLifetime);
    }

    /** @param d zero for no limit */
    public Limits withMaxTunnelLifetime(Duration d) {
        return new Limits(headerTimeout, maxRequestLine, maxHeaders, maxConnections, maxConnectionsPerSource,
                maxConnectionsPerPrincipal, requestRate, requestBurst, maxPipelinedRequests, d);
    }
}
