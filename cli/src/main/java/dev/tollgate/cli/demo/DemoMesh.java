package dev.tollgate.cli.demo;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The running proxies of the demo: the egress gateway and one sidecar per workload, all watching the files of
 * {@link DemoConfig}. The implementation on top of {@code dev.tollgate.proxy} is what {@link DemoCommand} starts.
 */
public interface DemoMesh extends AutoCloseable {

    /** Where {@code workload}'s application sends its traffic ({@code http_proxy}/{@code https_proxy}). */
    InetSocketAddress sidecar(DemoWorkload workload);

    /**
     * Waits until every proxy runs the configuration now on disk.
     *
     * @throws IllegalStateException if a proxy rejected it (with its diagnostics) or did not load it in time
     */
    void awaitConfiguration(Duration timeout);

    /** The gateway's access log line for its latest denial of {@code from} → {@code host}, if it logged one. */
    Optional<String> gatewayDenial(DemoWorkload from, String host);

    /** {@code from}'s sidecar's access log line for its latest refusal of {@code host}, if it logged one. */
    default Optional<String> sidecarRefusal(DemoWorkload from, String host) {
        return Optional.empty();
    }

    @Override
    void close();
}
