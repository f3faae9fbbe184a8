package dev.tollgate.control;

import dev.tollgate.control.ca.CaSecretWatch;
import dev.tollgate.control.ca.CertificateService;
import dev.tollgate.control.ca.IssuedPerRoot;
import dev.tollgate.control.ca.RootPublisher;
import dev.tollgate.control.ca.TokenReviewer;
import dev.tollgate.control.push.ConfigPushService;
import dev.tollgate.control.watch.ClusterWatch;
import dev.tollgate.control.watch.WatchedSnapshot;
import dev.tollgate.identity.MeshCa;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code tollgate control}, wired: the CA's root from its Secret, the cluster watch, and one gRPC server for the CA
 * and the config push. It holds no state the cluster does not: a replica that starts reads the Secret and lists
 * the cluster, and serves configuration only once the watch has synced.
 */
public final class ControlPlane implements AutoCloseable {

    /**
     * @param namespace     the control plane's own namespace, where the CA Secret is
     * @param listen        the gRPC address (CA and ConfigService)
     * @param caSecret      the Secret with the CA's root
     * @param serverNames   the names on the serving certificate, as proxies dial them
     * @param rootNamespace where the {@code istio} ConfigMap is, and mesh-wide policies
     */
    public record Options(String namespace, InetSocketAddress listen, String caSecret, List<String> serverNames,
                          String rootNamespace) {
        public Options {
            Objects.requireNonNull(namespace);
            Objects.requireNonNull(listen);
            Objects.requireNonNull(caSecret);
            serverNames = List.copyOf(serverNames);
            Objects.requireNonNull(rootNamespace);
        }
    }

    private final ClusterWatch watch;
    private final ConfigPushService push;
    private final ControlServer server;
    private final CaSecretWatch ca;
    private final RootPublisher publisher;

    private ControlPlane(ClusterWatch watch, ConfigPushService push, ControlServer server, CaSecretWatch ca,
                         RootPublisher publisher) {
        this.watch = watch;
        this.push = push;
        this.server = server;
        this.ca = ca;
        this.publisher = publisher;
    }

    /**
     * @throws IllegalStateException when the CA Secret cannot be read: without its root this replica can neither
     *                               issue nor prove its own name, so it does not start
     */
    public static ControlPlane start(KubernetesClient client, MeterRegistry meters, Options options) {
        CaSecretWatch ca = CaSecretWatch.start(client, options.namespace(), options.caSecret());
        ca.registerMetrics(meters);
        ClusterWatch watch = new ClusterWatch(client, meters, new ClusterWatch.Options(options.rootNamespace(),
                ClusterWatch.Options.DEFAULTS.quiet(), ClusterWatch.Options.DEFAULTS.max()));
        ConfigPushService push = new ConfigPushService(watch::current, meters);
        watch.subscribe(push);
        CertificateService certificates = new CertificateService(ca,
                new TokenReviewer(client, ca.get().trustDomain()), MeshCa.DEFAULT_WORKLOAD_TTL, MeshCa.MAX_TTL,
                Optional.of(new IssuedPerRoot(meters)));
        ControlServer server;
        RootPublisher publisher;
        try {
            server = ControlServer.start(options.listen(), ca, () -> ca.current().roots(), options.serverNames(),
                    ControlServer.SERVING_TTL, List.of(certificates.authenticated(), push.authenticated()));
            ca.addListener(bundle -> server.reissueServingCertificate());
            publisher = new RootPublisher(client, meters);
            publisher.follow(ca);
        } catch (RuntimeException e) {
            watch.close();
            ca.close();
            throw e;
        }
        watch.start();
        return new ControlPlane(watch, push, server, ca, publisher);
    }

    /** Whether the watch has synced and published a snapshot: until then the ConfigService answers UNAVAILABLE. */
    public boolean ready() {
        return watch.ready();
    }

    public Optional<WatchedSnapshot> current() {
        return watch.current();
    }

    /** For {@code /ready}'s body. */
    public String status() {
        return current().map(s -> "synced: snapshot " + s.version() + " of " + s.resourceVersions().size()
                        + " objects; " + push.connected() + " proxies connected")
                .orElse("not synced with the cluster yet: serving no configuration");
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            publisher.close();
            watch.close();
            ca.close();
        }
    }
}
