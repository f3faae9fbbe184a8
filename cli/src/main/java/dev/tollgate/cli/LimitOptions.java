package dev.tollgate.cli;

import dev.tollgate.proxy.Limits;
import picocli.CommandLine.Option;

import java.util.Locale;

/** {@code tollgate sidecar} and {@code tollgate gateway}: what one client may hold and ask for. */
final class LimitOptions {
    @Option(names = "--header-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "A request's line and headers must arrive whole within this time of their first byte, however slowly they trickle (slowloris); else 408 and close. At the gateway it also bounds the TLS ClientHello and mTLS handshake from accept. A connection that sends nothing is left to --idle-timeout. E.g. 10s, 500ms (default: ${DEFAULT-VALUE}).")
    String headerTimeout;

    @Option(names = "--max-request-line", paramLabel = "BYTES", defaultValue = "8192",
            description = "Longest request line (method, URI, version); longer gets 414 (default: ${DEFAULT-VALUE}).")
    int maxRequestLine;

    @Option(names = "--max-headers", paramLabel = "BYTES", defaultValue = "32768",
            description = "Largest header block; larger gets 431 (default: ${DEFAULT-VALUE}).")
    int maxHeaders;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "32768",
            description = "Client connections the proxy holds at once; a new one beyond it gets 503 (or is closed when no answer can be sent), the open ones are untouched, and the admin port keeps answering. Each proxied connection needs two file descriptors: below 2*N + 1024 in 'ulimit -n' the ceiling is lowered to fit, with a warning (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-connections-per-source", paramLabel = "N", defaultValue = "16384",
            description = "Client connections from one IP address; a new one beyond it gets 429 or is closed (at the gateway before any TLS). 0: no limit (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerSource;

    @Option(names = "--rate-limit", paramLabel = "RATE", defaultValue = "0",
            description = "Requests per client (CONNECTs included; at the gateway also TLS/TCP connections), as N/s or N/m, beyond which the answer is 429. A client is its mTLS principal at the gateway (its address without mTLS), its address at the sidecar, whose only workload is its own. 0: off, the default, as no one rate suits every workload.")
    String rateLimit;

    @Option(names = "--rate-burst", paramLabel = "N", defaultValue = "0",
            description = "Requests a client may send at once above --rate-limit (its token bucket). 0: one second's worth (default: ${DEFAULT-VALUE}).")
    int rateBurst;

    @Option(names = "--max-pipelined-requests", paramLabel = "N", defaultValue = "128",
            description = "Requests a client may pipeline behind the one being served before the proxy stops "
                    + "reading its connection; they are still served, in order, as responses drain. Bounds the "
                    + "memory one connection can claim; metric tollgate_limit_reached_total{limit=\"pipeline_depth\"} "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxPipelinedRequests;

    @Option(names = "--max-tunnel-lifetime", paramLabel = "DURATION", defaultValue = "0",
            description = "Close a tunnel (sidecar CONNECT; gateway TLS/TCP server) this long after it was "
                    + "established, even while bytes flow, as Envoy's max_downstream_connection_duration does. It "
                    + "bounds how long one client holds a connection slot and makes long-lived clients reconnect (and "
                    + "so be decided again under the current configuration). 0 (the default, as in Envoy): no limit; "
                    + "idle tunnels still close after --idle-timeout. Counted in "
                    + "tollgate_limit_rejections_total{limit=\"max_tunnel_lifetime\"}.")
    String maxTunnelLifetime = "0";

    /** The limits given, on top of the defaults; the per-principal limit is the gateway's own option. */
    Limits limits() {
        return Limits.DEFAULTS.withHeaderTimeout(CaCommand.parseDuration(headerTimeout))
                .withMaxRequestLine(maxRequestLine)
                .withMaxHeaders(maxHeaders)
                .withMaxConnections(maxConnections)
                .withMaxConnectionsPerSource(maxConnectionsPerSource)
                .withRequestRate(perSecond(rateLimit), rateBurst)
                .withMaxPipelinedRequests(maxPipelinedRequests)
                .withMaxTunnelLifetime(maxTunnelLifetime.trim().equals("0") ? java.time.Duration.ZERO
                        : CaCommand.parseDuration(maxTunnelLifetime));
    }

    /** {@code 100/s}, {@code 600/m}, {@code 100} (per second), or {@code 0} (off). */
    static double perSecond(String rate) {
        String t = rate.trim().toLowerCase(Locale.ROOT);
        double divisor = 1;
        if (t.endsWith("/s")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("/m")) {
            t = t.substring(0, t.length() - 2);
            divisor = 60;
        }
        try {
            double n = Double.parseDouble(t);
            if (!(n >= 0) || Double.isInfinite(n)) {
                throw new NumberFormatException();
            }
            return n / divisor;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--rate-limit " + rate + ": expected N/s or N/m, e.g. 100/s, or 0 for none");
        }
    }
}
