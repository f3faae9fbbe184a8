package dev.tollgate.cli;

import com.google.common.net.HostAndPort;
import dev.tollgate.agent.Backoff;
import dev.tollgate.agent.CaClient;
import dev.tollgate.agent.ConfigClient;
import dev.tollgate.agent.TrustRoots;
import dev.tollgate.identity.TrustBundle;
import dev.tollgate.api.config.v1.Node;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.RotatingCertificate;
import dev.tollgate.proxy.CertifiedKey;
import dev.tollgate.proxy.MeshIdentity;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What {@code --control-plane} gives a proxy: its workload certificate from the control plane's CA (by projected
 * token, renewed), and its configuration from the control plane's push. Both trust the same roots, read in one place
 * ({@link TrustRoots}). Closing it stops the renewal and the CA client; the config client is closed as the proxy's
 * configuration source.
 */
record ControlPlaneSource(ConfigClient client, RotatingCertificate rotating, CaClient ca, MeshIdentity identity,
                          TrustBundle trust)
        implements AutoCloseable {

    /**
     * Requests the first certificate now (a CA that cannot be reached fails the start, so that the pod restarts
     * rather than run without an identity), then opens the config stream in the background.
     */
    static ControlPlaneSource connect(String controlPlane, String serverName, Path tokenFile, Path rootCert, Node node) {
        HostAndPort address;
        try {
            address = HostAndPort.fromString(controlPlane).requireBracketsForIPv6();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--control-plane " + controlPlane + ": expected HOST:PORT");
        }
        if (!address.hasPort() || address.getHost().isEmpty()) {
            throw new IllegalArgumentException("--control-plane " + controlPlane + ": expected HOST:PORT");
        }
        String authority = serverName != null ? serverName : address.getHost();
        TrustBundle trust = TrustRoots.watch(rootCert);
        CaClient ca = new CaClient(ConfigClient.target(controlPlane), authority, trust, tokenFile,
                MeshCa.DEFAULT_WORKLOAD_TTL);
        RotatingCertificate rotating;
        try {
            rotating = ca.rotating();
        } catch (RuntimeException e) {
            ca.close();
            trust.close();
            // printed as one line, as a configuration error is: the pod restarts and tries again
            throw new ConfigLoading.ConfigurationError("no workload certificate from the control plane "
                    + controlPlane + ": " + e.getMessage());
        }
        MeshIdentity identity = new MeshIdentity(() -> CertifiedKey.of(rotating.current()), trust,
                Optional.of(rotating));
        ConfigClient client = new ConfigClient(new ConfigClient.Connection(controlPlane, authority, trust::roots,
                rotating::current, node, Backoff.DEFAULT, ConfigClient.DEFAULT_MAX_MESSAGE_BYTES),
                new LoadOptions("default", Map.of()), SnapshotCompiler::compile, Clock.systemUTC()).start();
        return new ControlPlaneSource(client, rotating, ca, identity, trust);
    }

    static Node node(Node.Kind kind, WorkloadRef workload, String podName) {
        Node.Builder node = Node.newBuilder().setKind(kind).setNamespace(workload.namespace())
                .setServiceAccount(workload.serviceAccount()).putAllLabels(workload.labels());
        if (podName != null && !podName.isBlank()) {
            node.setName(podName);
        }
        return node.build();
    }

    @Override
    public void close() {
        rotating.close();
        ca.close();
        trust.close();
    }
}
