package dev.tollgate.proxy;

import io.micrometer.core.instrument.Gauge;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts one proxy's data-plane client connections: in all, per client address and per mTLS principal. A
 * connection over a limit is refused as it arrives; the ones already open are never touched.
 *
 * <p>The admin server is not counted: it has its own threads and a small ceiling of its own (see
 * {@link AdminServer}), and the ceiling here is kept low enough that the file descriptors it needs remain.
 */
final class ConnectionLimits {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);
    /** File descriptors kept back from the data plane for the admin port, the config watch, logs and TLS files. */
    static final int FD_RESERVE = 1024;
    /**
     * Refused HTTP connections still being answered (a 429/503 needs the client's request first). Beyond this many
     * at once, refused connections are closed without an answer, so that refusing cannot itself exhaust the proxy.
     */
    static final int MAX_ANSWERING = 256;

    /** Why a connection may not be served: the {@code tollgate_limit_rejections_total} label, status and reason. */
    record Refusal(String limit, HttpResponseStatus status, String reason) {
    }

    private final Limits limits;
    /** The ceiling in force: {@link Limits#maxConnections()}, lowered when the file descriptors could not hold it. */
    final int ceiling;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> perPrincipal = new ConcurrentHashMap<>();
    private final AtomicInteger answering = new AtomicInteger();

    ConnectionLimits(String proxyName, Limits limits, ProxyMetrics metrics) {
        this.limits = limits;
        long fds = fileDescriptorLimit();
        this.ceiling = ceiling(limits.maxConnections(), fds);
        if (ceiling < limits.maxConnections()) {
            // a WARN when the operator asked for more than fits; the default ceiling lowered to fit is routine (an
            // INFO, which the demo and tests, starting many proxies in one process, do not repeat as warnings)
            boolean asked = limits.maxConnections() != Limits.DEFAULTS.maxConnections();
            (asked ? LOG.atWarn() : LOG.atInfo()).log("{}: at most {} client connections, not {}: the file descriptor"
                            + " limit (ulimit -n) is {}, and each proxied connection needs two plus {} kept for the"
                            + " admin port; raise ulimit -n to {} for the full ceiling", proxyName, ceiling,
                    limits.maxConnections(), fds, reserve(fds), 2L * limits.maxConnections() + FD_RESERVE);
        }
        Gauge.builder("tollgate.connections.max", this, c -> c.ceiling)
                .description("the most client connections this proxy accepts (--max-connections, bounded by ulimit -n)")
                .register(metrics.registry());
    }

    /**
     * The ceiling that the file descriptors can hold: every proxied connection needs one for the client and one
     * for the upstream, and {@link #FD_RESERVE} (at most a quarter of them) stay for the admin port and the rest.
     */
    static int ceiling(int configured, long fdLimit) {
        if (fdLimit <= 0) {
            return configured;
        }
        long fit = Math.max(1, (fdLimit - reserve(fdLimit)) / 2);
        return (int) Math.min(configured, fit);
    }

    private static long reserve(long fdLimit) {
        return Math.min(FD_RESERVE, fdLimit / 4);
    }

    private static long fileDescriptorLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            return u.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /**
     * Counts a newly accepted client connection against the ceiling and its address's limit, until it closes.
     *
     * @return null when admitted, else why not (then nothing stays counted)
     */
    Refusal admit(Channel ch) {
        if (open.incrementAndGet() > ceiling) {
            open.decrementAndGet();
            return new Refusal("connections", HttpResponseStatus.SERVICE_UNAVAILABLE, "connection limit: the proxy"
                    + " holds its maximum of " + ceiling + " client connections (limit: max-connections)");
        }
        InetAddress address = address(ch);
        int max = limits.maxConnectionsPerSource();
        if (max > 0 && address != null) {
            int n = perAddress.merge(address, 1, Integer::sum);
            if (n > max) {
                release(perAddress, address);
                open.decrementAndGet();
                return new Refusal("connections_per_source", HttpResponseStatus.TOO_MANY_REQUESTS,
                        "connection limit: " + address.getHostAddress() + " already has " + max
                                + " open connections (limit: max-connections-per-source)");
            }
            ch.closeFuture().addListener(f -> release(perAddress, address));
        }
        ch.closeFuture().addListener(f -> open.decrementAndGet());
        return null;
    }

    /** Counts an mTLS connection against its principal's limit (gateway), until it closes; null when admitted. */
    Refusal admitPrincipal(Channel ch, String principal) {
        int max = limits.maxConnectionsPerPrincipal();
        if (max <= 0) {
            return null;
        }
        int n = perPrincipal.merge(principal, 1, Integer::sum);
        if (n > max) {
            release(perPrincipal, principal);
            return new Refusal("connections_per_principal", HttpResponseStatus.TOO_MANY_REQUESTS,
                    "connection limit: " + principal + " already has " + max
                            + " open connections (limit: max-connections-per-principal)");
        }
        ch.closeFuture().addListener(f -> release(perPrincipal, principal));
        return null;
    }

    /** Whether one more refused connection may wait for its request to be answered; else it is just closed. */
    boolean mayAnswer(Channel ch) {
        if (answering.incrementAndGet() > MAX_ANSWERING) {
            answering.decrementAndGet();
            return false;
        }
        ch.closeFuture().addListener(f -> answering.decrementAndGet());
        return true;
    }

    int open() {
        return open.get();
    }

    private static <K> void release(ConcurrentHashMap<K, Integer> counts, K key) {
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    static InetAddress address(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** The client's IP address as text (a rate-limit key), or the whole remote address when it has none. */
    static String ip(Channel ch) {
        InetAddress a = address(ch);
        return a != null ? a.getHostAddress() : String.valueOf(ch.remoteAddress());
    }
}
