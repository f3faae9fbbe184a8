package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The CA Secret, watched: the control plane signs with the Secret's signing root and trusts all of its roots from
 * the moment the Secret changes, without a restart, which is how an operator rotates the root ({@link CaBundle}).
 *
 * <p>A change that is not a usable CA (a key that does not match the root, malformed PEM, a missing entry), or the
 * Secret's deletion, is logged and counted, and the last good CA stays in force: a control plane that stopped
 * issuing would take every proxy down with its certificates' expiry, while one that keeps the last good root
 * changes nothing the operator did not see working. The operator sees the refusal in the log and in
 * {@code tollgate_ca_secret_reload_failures_total}.
 *
 * <p>The watch is on that one name (a field selector on {@code metadata.name}), so RBAC can allow
 * {@code get}/{@code list}/{@code watch} on exactly that Secret.
 */
public final class CaSecretWatch implements Supplier<MeshCa>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CaSecretWatch.class);

    private final String where;
    private final List<Consumer<CaBundle>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile CaBundle current;
    private SharedIndexInformer<Secret> informer;

    private CaSecretWatch(String where, CaBundle first) {
        this.where = where;
        this.current = first;
    }

    /**
     * Reads the Secret now (a control plane without a usable CA does not start), then watches it.
     *
     * @throws IllegalStateException when the Secret is missing or not a usable CA now
     */
    public static CaSecretWatch start(KubernetesClient client, String namespace, String name) {
        CaSecretWatch watch = new CaSecretWatch("Secret " + namespace + "/" + name, CaSecret.read(client, namespace, name));
        watch.informer = client.secrets().inNamespace(namespace).withName(name).runnableInformer(0);
        watch.informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret s) {
                watch.changed(s);
            }

            @Override
            public void onUpdate(Secret before, Secret after) {
                watch.changed(after);
            }

            @Override
            public void onDelete(Secret s, boolean finalStateUnknown) {
                watch.failures.incrementAndGet();
                log.error("the CA's {} was deleted; signing with the last root read ({}) until it is back",
                        watch.where, Roots.describe(watch.current.signing().rootCertificate()));
            }
        });
        // an API server restarting, RBAC being fixed: keep the CA in force and keep trying
        watch.informer.exceptionHandler((wasStarted, t) -> {
            log.warn("the watch of the CA's {} failed ({}); retrying", watch.where, t.toString());
            return true;
        });
        watch.informer.start();
        return watch;
    }

    /** The CA in force now. */
    public CaBundle current() {
        return current;
    }

    /** The signing CA in force now: what {@link CertificateService} and {@link dev.tollgate.control.ControlServer} sign with. */
    @Override
    public MeshCa get() {
        return current.signing();
    }

    /** Called with each new CA, on the informer's thread; a listener that throws is logged and skipped. */
    public void addListener(Consumer<CaBundle> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public long reloads() {
        return reloads.get();
    }

    public long reloadFailures() {
        return failures.get();
    }

    /** {@code tollgate_ca_secret_reloads_total}, {@code tollgate_ca_secret_reload_failures_total}, {@code tollgate_ca_roots}. */
    public void registerMetrics(MeterRegistry registry) {
        FunctionCounter.builder("tollgate.ca.secret.reloads", this, CaSecretWatch::reloads)
                .description("changes of the CA Secret taken").register(registry);
        FunctionCounter.builder("tollgate.ca.secret.reload.failures", this, CaSecretWatch::reloadFailures)
                .description("changes of the CA Secret refused (the last good CA stayed in force)").register(registry);
        Gauge.builder("tollgate.ca.roots", this, w -> w.current.roots().size())
                .description("roots trusted now, the signing one included").register(registry);
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }

    /** A new version of the Secret: taken if it is a usable CA and differs from the one in force. */
    void changed(Secret secret) {
        CaBundle next;
        try {
            next = CaSecret.parse(secret, where);
        } catch (IllegalStateException e) {
            failures.incrementAndGet();
            log.error("the CA's {} changed but is not usable; still signing with {}: {}", where,
                    Roots.describe(current.signing().rootCertificate()), e.getMessage());
            return;
        }
        CaBundle before = current;
        if (before.signing().rootCertificate().equals(next.signing().rootCertificate())
                && before.roots().equals(next.roots())) {
            return; // a resync, or a change of labels
        }
        current = next;
        reloads.incrementAndGet();
        log.info("the CA's {} changed: signing with {}, trusting {}", where,
                Roots.describe(next.signing().rootCertificate()), next.roots().stream().map(Roots::describe).toList());
        for (Consumer<CaBundle> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                log.error("a CA listener failed: {}", e.toString(), e);
            }
        }
    }
}
