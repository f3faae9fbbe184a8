package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the sidecar and the gateway are both run with: {@link SidecarSettings} and {@link GatewaySettings} implement it
 * with their record accessors, so that {@link ProxyRuntime#create} builds either proxy's runtime the same way.
 */
interface ProxySettings {
    WorkloadRef workload();

    MeshIdentity identity();

    HostMap hosts();

    Optional<Path> caBundle();

    Optional<InetSocketAddress> admin();

    Consumer<AccessLogEntry> accessLog();

    Duration idleTimeout();

    int ioThreads();

    ReloadStats reloads();

    Limits limits();

    ConnectSettings connect();

    UpstreamPoolSettings upstreamPool();
}
