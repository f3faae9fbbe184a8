package dev.tollgate.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/** A running proxy. */
public interface ProxyHandle extends AutoCloseable {

    /** The admin server's bound address, when one was asked for. */
    Optional<InetSocketAddress> adminAddress();

    /**
     * Also serves {@code /healthz}, {@code /ready} and {@code /metrics} (never {@code /config_dump}) at
     * {@code address}, e.g. the pod's address for the kubelet's probes and Prometheus, while the full admin server
     * stays on loopback. Closed with the proxy.
     *
     * @return the bound address
     */
    InetSocketAddress serveHealth(InetSocketAddress address) throws InterruptedException;

    /** True once a configuration snapshot is loaded and every listener is bound ({@code /ready}). */
    boolean ready();

    /**
     * Stops accepting, lets open requests and tunnels finish until {@code deadline}, then closes what is left and
     * releases the threads. Idle keep-alive connections close at once. Blocks the caller (never call it from an
     * event loop).
     *
     * @return true when everything finished before the deadline
     */
    boolean drain(Duration deadline);

    /** {@code drain(Duration.ZERO)}: closes everything now. */
    @Override
    default void close() {
        drain(Duration.ZERO);
    }
}
