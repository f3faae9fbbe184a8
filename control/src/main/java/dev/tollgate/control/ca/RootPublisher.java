package dev.tollgate.control.ca;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Publishes the mesh roots to every namespace as ConfigMap {@value #CONFIG_MAP} (key {@value #KEY}), as istiod's
 * namespace controller publishes {@code istio-ca-root-cert}: pods mount it to verify peers and the control plane,
 * and during a root rotation it holds both roots, so proxies trust the new root before anything is signed by it.
 *
 * <p>It creates the ConfigMap in a namespace that lacks it (a namespace created later included), rewrites it when
 * the roots change or someone else changed or deleted it, and writes only when the content differs: the
 * ConfigMaps are compared from an informer's cache, so a steady state costs no API call, and several replicas
 * writing the same roots agree without leader election (during a Secret change two replicas may each write their
 * view once; they converge as soon as both have read the new Secret).
 *
 * <p>RBAC: {@code list}/{@code watch} on namespaces, and {@code list}/{@code watch}/{@code get}/{@code create}/
 * {@code patch} on configmaps (a cluster-wide list filtered by name: RBAC cannot name a resource in every
 * namespace). A failed write is logged, counted in {@code tollgate_ca_root_publish_failures_total} and retried.
 */
public final class RootPublisher implements AutoCloseable {

    public static final String CONFIG_MAP = "tollgate-ca-root";
    public static final String KEY = "root-cert.pem";
    static final Map<String, String> LABELS = Map.of("app.kubernetes.io/managed-by", "tollgate-control");
    static final long RETRY_MILLIS = 5_000;

    private static final Logger log = LoggerFactory.getLogger(RootPublisher.class);

    private final KubernetesClient client;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-root-publisher");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final Counter creates;
    private final Counter updates;
    private final Counter failures;
    private volatile String pem;
    private volatile SharedIndexInformer<Namespace> namespaces;
    private volatile SharedIndexInformer<ConfigMap> configMaps;

    public RootPublisher(KubernetesClient client, MeterRegistry meters) {
        this.client = Objects.requireNonNull(client, "client");
        this.creates = Counter.builder("tollgate.ca.root.publish.writes").tag("op", "create")
                .description("ConfigMaps " + CONFIG_MAP + " written").register(meters);
        this.updates = Counter.builder("tollgate.ca.root.publish.writes").tag("op", "update")
                .description("ConfigMaps " + CONFIG_MAP + " written").register(meters);
        this.failures = Counter.builder("tollgate.ca.root.publish.failures")
                .description("failed writes of " + CONFIG_MAP + " (retried)").register(meters);
    }

    /**
     * Starts publishing {@code rootsPem} ({@link CaBundle#rootsPem()}); returns at once. Namespaces are written once
     * both informers have synced, so that nothing is created on the strength of an empty cache.
     */
    public synchronized void start(String rootsPem) {
        if (namespaces != null) {
            throw new IllegalStateException("already started");
        }
        pem = Objects.requireNonNull(rootsPem, "rootsPem");
        namespaces = client.namespaces().runnableInformer(0);
        namespaces.addEventHandler(handler(ns -> ns.getMetadata().getName()));
        configMaps = client.configMaps().inAnyNamespace().withField("metadata.name", CONFIG_MAP).runnableInformer(0);
        configMaps.addEventHandler(handler(cm -> cm.getMetadata().getNamespace()));
        for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {namespaces, configMaps}) {
            i.exceptionHandler((wasStarted, t) -> {
                log.warn("an informer of the root publisher failed ({}); retrying", t.toString());
                return true;
            });
        }
        CompletableFuture.allOf(namespaces.start().toCompletableFuture(), configMaps.start().toCompletableFuture())
                .whenComplete((ok, failed) -> {
                    if (failed == null) {
                        enqueueAll();
                    } else {
                        log.error("the root publisher's informers did not start; publishing nothing", failed);
                    }
                });
    }

    /** New roots (a change of the CA Secret): every namespace is brought to them. */
    public void publish(String rootsPem) {
        String before = pem;
        pem = Objects.requireNonNull(rootsPem, "rootsPem");
        if (!rootsPem.equals(before)) {
            enqueueAll();
        }
    }

    /** Subscribes to a watched CA Secret: publishes its roots now and after every change. */
    public void follow(CaSecretWatch ca) {
        ca.addListener(b -> publish(b.rootsPem()));
        if (namespaces == null) {
            start(ca.current().rootsPem());
        }
        publish(ca.current().rootsPem()); // a change between the listener and the start must not be lost
    }

    /** Whether both informers have synced (and the first pass is queued). */
    public boolean synced() {
        return namespaces != null && namespaces.hasSynced() && configMaps.hasSynced();
    }

    /** Writes done so far: creations plus updates. */
    public long writes() {
        return (long) (creates.count() + updates.count());
    }

    public long failures() {
        return (long) failures.count();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        if (namespaces != null) {
            namespaces.close();
            configMaps.close();
        }
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(java.util.function.Function<T, String> namespaceOf) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T o) {
                enqueue(namespaceOf.apply(o));
            }

            @Override
            public void onUpdate(T before, T after) {
                enqueue(namespaceOf.apply(after));
            }

            @Override
            public void onDelete(T o, boolean finalStateUnknown) {
                enqueue(namespaceOf.apply(o)); // a deleted ConfigMap is written again; a deleted namespace skipped
            }
        };
    }

    private void enqueueAll() {
        SharedIndexInformer<Namespace> ns = namespaces;
        if (ns == null) {
            return; // not started: start() publishes the roots in force then
        }
        ns.getStore().list().forEach(n -> enqueue(n.getMetadata().getName()));
    }

    private void enqueue(String namespace) {
        if (namespace != null && queued.add(namespace)) {
            schedule(namespace, 0);
        }
    }

    private void schedule(String namespace, long delayMillis) {
        try {
            worker.schedule(() -> {
                queued.remove(namespace);
                reconcile(namespace);
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    /** Brings one namespace's ConfigMap to the roots in force, writing only when it differs. */
    private void reconcile(String namespace) {
        if (!synced()) {
            return; // the first pass after the sync covers it
        }
        Namespace ns = namespaces.getStore().getByKey(namespace);
        if (ns == null || ns.getMetadata().getDeletionTimestamp() != null
                || (ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase()))) {
            return; // gone or going: the API server refuses new objects there
        }
        String want = pem;
        ConfigMap have = configMaps.getStore().getByKey(namespace + "/" + CONFIG_MAP);
        try {
            if (have == null) {
                client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
                        .withNewMetadata().withName(CONFIG_MAP).withNamespace(namespace).withLabels(LABELS).endMetadata()
                        .addToData(KEY, want).build()).create();
                creates.increment();
                log.info("published the mesh roots to {}/{}", namespace, CONFIG_MAP);
            } else if (have.getData() == null || !want.equals(have.getData().get(KEY))) {
                // a patch of our key: other keys someone added stay, and no resourceVersion race with the cache
                client.configMaps().inNamespace(namespace).withName(CONFIG_MAP)
                        .edit(cm -> new ConfigMapBuilder(cm).addToData(KEY, want).build());
                updates.increment();
                log.info("updated the mesh roots in {}/{}", namespace, CONFIG_MAP);
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // created meanwhile (another replica, or our cache lags): the informer's add event brings it here again
                log.debug("{}/{} exists already; comparing it when the cache has it", namespace, CONFIG_MAP);
                return;
            }
            failures.increment();
            log.warn("cannot publish the mesh roots to {}/{} ({}); retrying in {} s", namespace, CONFIG_MAP,
                    e.getMessage(), RETRY_MILLIS / 1000);
            if (queued.add(namespace)) {
                schedule(namespace, RETRY_MILLIS);
            }
        }
    }
}
