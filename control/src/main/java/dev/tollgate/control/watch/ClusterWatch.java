package dev.tollgate.control.watch;

import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The control plane's view of the cluster (istiod's config controller): informers on Istio's kinds, the workloads'
 * kinds and the {@code istio} ConfigMap; every change, debounced, becomes a new {@link WatchedSnapshot}, built by the
 * file loader's own validation ({@link Assembly}). A replica publishes nothing until every informer has synced: a
 * snapshot built from half a list would miss policies, and a missing DENY policy allows.
 */
public final class ClusterWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterWatch.class);

    /**
     * @param rootNamespace where the {@code istio} ConfigMap is read (istiod's own namespace)
     * @param quiet         how long changes must pause before a snapshot is built
     * @param max           how long a snapshot may wait at most while changes go on
     */
    public record Options(String rootNamespace, Duration quiet, Duration max) {
        public static final Options DEFAULTS = new Options("istio-system", Duration.ofMillis(100), Duration.ofSeconds(1));

        public Options {
            Objects.requireNonNull(rootNamespace, "rootNamespace");
        }
    }

    private final KubernetesClient client;
    /** The informers' own client: see {@link #genericOnly}. */
    private KubernetesClient informing;
    private final Options options;
    private final RejectionReporter reporter;
    private final Debouncer debouncer;
    private final ClusterObjects objects;
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
    private final List<Consumer<WatchedSnapshot>> listeners = new CopyOnWriteArrayList<>();
    private volatile WatchedSnapshot current;
    private volatile boolean started;
    /** Only the build thread touches these. */
    private Map<ObjectKey, ClusterObjects.Entry> accepted = Map.of();
    private long version;
    private volatile long builds;

    public ClusterWatch(KubernetesClient client, MeterRegistry meters, Options options) {
        this.client = Objects.requireNonNull(client);
        this.options = Objects.requireNonNull(options);
        this.reporter = new RejectionReporter(client, meters);
        this.debouncer = new Debouncer(options.quiet(), options.max(), this::build);
        this.objects = new ClusterObjects(debouncer::changed);
    }

    /** Starts the informers; returns at once. The first snapshot follows their sync. */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        List<WatchedKind> kinds = new ArrayList<>(WatchedKinds.istio(client));
        kinds.addAll(WatchedKinds.KUBERNETES);
        List<CompletableFuture<Void>> synced = new ArrayList<>();
        informing = genericOnly(client);
        for (WatchedKind kind : kinds) {
            var resources = informing.genericKubernetesResources(kind.context());
            synced.add(start(kind, kind.namespaced() ? resources.inAnyNamespace().runnableInformer(0)
                    : resources.runnableInformer(0)));
        }
        // the one ConfigMap istiod reads, by name: every other ConfigMap is no business of the mesh
        synced.add(start(WatchedKinds.CONFIG_MAP, informing.genericKubernetesResources(WatchedKinds.CONFIG_MAP.context())
                .inNamespace(options.rootNamespace()).withName("istio").runnableInformer(0)));
        CompletableFuture.allOf(synced.toArray(CompletableFuture[]::new)).whenComplete((ok, failed) -> {
            if (failed != null) {
                LOG.error("an informer failed to start; this replica serves nothing", failed);
            } else {
                LOG.info("all {} informers synced", informers.size());
                debouncer.changed();
            }
        });
    }

    /**
     * A client on the same cluster whose serialization knows no typed class. fabric8 reads a watch event's object
     * through the classes it finds on the class path whatever the informer's type, and Istio's model is on ours: an
     * object the typed class cannot hold (an enum value Istio does not have) lost that field on every watch event, so
     * the loader judged, and accepted, an object that is not the one stored. A ServiceEntry with a mistyped
     * resolution counted as resolution NONE, and an AuthorizationPolicy with a mistyped action as an ALLOW. Generic
     * objects keep every field as the API server sent it, as the list (read as generic) always did.
     */
    static KubernetesClient genericOnly(KubernetesClient client) {
        return new KubernetesClientBuilder().withConfig(client.getConfiguration())
                .withKubernetesSerialization(new KubernetesSerialization(new ObjectMapper(), false)).build();
    }

    private CompletableFuture<Void> start(WatchedKind kind, SharedIndexInformer<GenericKubernetesResource> informer) {
        informer.addEventHandler(objects.handler(kind));
        // keep trying whatever fails (an API server restarting, RBAC being fixed): giving up would leave this
        // replica unready for good, while retrying costs nothing and it serves nothing meanwhile
        informer.exceptionHandler((wasStarted, t) -> {
            LOG.warn("informer for {} failed ({}); retrying", kind.apiVersion() + " " + kind.kind(), t.toString());
            return true;
        });
        informers.add(informer);
        return informer.start().toCompletableFuture();
    }

    /** Whether every informer has synced and a snapshot is published: until then this replica serves nothing. */
    public boolean ready() {
        return synced() && current != null;
    }

    private boolean synced() {
        return started && !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /** The latest snapshot, once ready. */
    public Optional<WatchedSnapshot> current() {
        return ready() ? Optional.of(current) : Optional.empty();
    }

    /** Every snapshot from now on, and the current one at once if there is one. */
    public void subscribe(Consumer<WatchedSnapshot> listener) {
        listeners.add(Objects.requireNonNull(listener));
        current().ifPresent(listener);
    }

    /** Builds run so far, published or not: lets a test wait until the watch has seen a change. */
    long builds() {
        return builds;
    }

    /** One debounced build, on the debouncer's thread. */
    private void build() {
        try {
            buildOnce();
        } finally {
            builds++;
        }
    }

    private void buildOnce() {
        if (!synced()) {
            return;
        }
        Assembly.Outcome outcome = Assembly.build(objects.copy(), accepted,
                new LoadOptions(options.rootNamespace(), Map.of()));
        reporter.report(outcome.rejected(), outcome.accepted());
        if (outcome.config().isEmpty()) {
            LOG.warn("the cluster's configuration has errors that no single changed object explains; keeping "
                    + "snapshot {}: {}", version, outcome.failure().stream().map(Diagnostic::format).toList());
            return;
        }
        if (current == null && !outcome.rejected().isEmpty()) {
            // with no accepted version to fall back on, leaving a refused object out could drop a DENY policy;
            // files refuse the whole load at start, and so does this replica until the objects are fixed
            LOG.warn("not serving: {} object(s) refused before any snapshot was accepted: {}",
                    outcome.rejected().size(), outcome.rejected().keySet().stream().map(ObjectKey::source).toList());
            return;
        }
        ConfigSet config = outcome.config().get();
        accepted = outcome.accepted();
        if (current != null && config.equals(current.snapshot().config())) {
            return;
        }
        MeshSnapshot snapshot;
        try {
            snapshot = SnapshotCompiler.compile(config);
        } catch (RuntimeException e) {
            LOG.error("compiling the cluster's configuration failed; keeping snapshot {}", version, e);
            return;
        }
        WatchedSnapshot published = new WatchedSnapshot(++version, resourceVersions(outcome.accepted()),
                Assembly.json(outcome.accepted()), snapshot);
        current = published;
        LOG.info("snapshot {} from {} objects", published.version(), published.resourceVersions().size());
        for (Consumer<WatchedSnapshot> listener : listeners) {
            try {
                listener.accept(published);
            } catch (RuntimeException e) {
                LOG.warn("a snapshot listener failed", e);
            }
        }
    }

    private static Map<String, String> resourceVersions(Map<ObjectKey, ClusterObjects.Entry> objects) {
        Map<String, String> out = new TreeMap<>();
        objects.forEach((k, e) -> out.put(k.source(), String.valueOf(e.object().getMetadata().getResourceVersion())));
        return out;
    }

    @Override
    public void close() {
        debouncer.close();
        informers.forEach(SharedIndexInformer::close);
        if (informing != null) {
            informing.close();
        }
    }
}
