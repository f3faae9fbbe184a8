package dev.tollgate.identity;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A certificate that renews itself: what a running proxy presents.
 *
 * <p>It issues at construction and renews at two thirds of each certificate's lifetime (Istio's default
 * grace period), on a daemon thread. A failed renewal is logged and retried with backoff until it succeeds.
 * {@link #current()} never returns an expired certificate: if the held one has expired (the machine slept,
 * or renewals kept failing), it issues a new one synchronously, and throws if it cannot.
 *
 * <p>For metrics, {@link #notAfter()}, {@link #renewals()} and {@link #renewalFailures()} expose the state;
 * this class depends on no metrics library.
 *
 * <p>Typical use: {@code new RotatingCertificate(() -> ca.issueWorkload(ns, sa, ttl), Clock.systemUTC())},
 * then {@code addListener(c -> rebuildSslContexts(c))}.
 */
public final class RotatingCertificate implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RotatingCertificate.class);
    static final Duration MIN_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(1);

    private final Supplier<IssuedCertificate> issuer;
    private final Clock clock;
    private final List<Consumer<IssuedCertificate>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile IssuedCertificate held;
    private volatile Duration retry = MIN_RETRY;

    /**
     * Issues the first certificate now (an exception from {@code issuer} propagates) and schedules renewal.
     */
    public RotatingCertificate(Supplier<IssuedCertificate> issuer, Clock clock) {
        this(issuer, clock, true);
    }

    /** {@code background=false}: no renewal thread; tests drive {@link #renewIfDue()} with a fake clock. */
    RotatingCertificate(Supplier<IssuedCertificate> issuer, Clock clock, boolean background) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.held = issueChecked();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-cert-rotation");
            t.setDaemon(true);
            return t;
        });
        if (background) {
            schedule(delayUntil(renewAt(held)));
        } else {
            scheduler.shutdown();
        }
    }

    /**
     * The certificate to present now; never an expired one.
     *
     * @throws IllegalStateException when the held certificate has expired and a new one cannot be issued
     */
    public IssuedCertificate current() {
        IssuedCertificate c = held;
        if (!clock.instant().isBefore(c.notAfter())) {
            synchronized (this) {
                c = held;
                if (!clock.instant().isBefore(c.notAfter())) {
                    log.warn("the workload certificate expired at {} before it was renewed; issuing one now", c.notAfter());
                    try {
                        c = replace();
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                        throw new IllegalStateException("the certificate expired at " + c.notAfter()
                                + " and a new one cannot be issued: " + e.getMessage(), e);
                    }
                }
            }
        }
        return c;
    }

    /** Called with each new certificate, on the renewing thread. A listener that throws is logged and skipped. */
    public void addListener(Consumer<IssuedCertificate> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** When the held certificate expires: export it as a gauge (seconds since the epoch). */
    public Instant notAfter() {
        return held.notAfter();
    }

    /** When the held certificate is due for renewal. */
    public Instant renewAt() {
        return renewAt(held);
    }

    /** Successful renewals since construction (not counting the first issue). */
    public long renewals() {
        return renewals.get();
    }

    /** Failed renewal attempts since construction. */
    public long renewalFailures() {
        return failures.get();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** Renews if the held certificate is due; what the scheduler runs. Package-private for tests with a fake clock. */
    synchronized boolean renewIfDue() {
        if (clock.instant().isBefore(renewAt(held))) {
            return false;
        }
        replace();
        return true;
    }

    /**
     * Replaces the certificate now, whatever its age: when its issuer changed (a CA that switched to a new root) and
     * the held one should come from the new issuer before its time.
     *
     * @throws RuntimeException from the issuer; the held certificate stays
     */
    public synchronized IssuedCertificate renewNow() {
        return replace();
    }

    static Instant renewAt(IssuedCertificate c) {
        Duration lifetime = Duration.between(c.notBefore(), c.notAfter());
        return c.notBefore().plus(lifetime.multipliedBy(2).dividedBy(3));
    }

    private IssuedCertificate replace() {
        IssuedCertificate next = issueChecked();
        held = next;
        renewals.incrementAndGet();
        log.info("renewed the certificate {}; next renewal at {}", next, renewAt(next));
        for (Consumer<IssuedCertificate> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                log.error("a certificate listener failed: {}", e.toString(), e);
            }
        }
        return next;
    }

    private IssuedCertificate issueChecked() {
        IssuedCertificate c = Objects.requireNonNull(issuer.get(), "the issuer returned null");
        if (!clock.instant().isBefore(c.notAfter())) {
            throw new IllegalStateException("the issuer returned a certificate that has already expired (" + c.notAfter() + ")");
        }
        return c;
    }

    private void scheduledRenewal() {
        Duration next;
        try {
            renewIfDue();
            retry = MIN_RETRY;
            next = delayUntil(renewAt(held));
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            next = retry;
            retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
            log.error("certificate renewal failed ({} failures so far); the current one expires at {}; retrying in {}s: {}",
                    failures.get(), held.notAfter(), next.toSeconds(), e.toString());
        }
        schedule(next);
    }

    private Duration delayUntil(Instant at) {
        Duration d = Duration.between(clock.instant(), at);
        return d.isNegative() ? Duration.ZERO : d;
    }

    private void schedule(Duration delay) {
        if (!scheduler.isShutdown()) {
            try {
                // wake up at least every minute: a suspended machine or a jumped wall clock must not delay renewal long
                long millis = Math.min(delay.toMillis(), MAX_RETRY.toMillis());
                scheduler.schedule(this::scheduledRenewal, millis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed meanwhile
            }
        }
    }
}
