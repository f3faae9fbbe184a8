package dev.tollgate.control.ca;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The certificates this replica issued that are still valid, per root: what tells the operator of a root rotation
 * when the old root can be removed (when no certificate from it is left, every proxy has renewed from the new one).
 *
 * <p>Per root: {@code tollgate_ca_certificates_valid{root}} (issued, not yet expired) and
 * {@code tollgate_ca_certificates_last_expiry_timestamp_seconds{root}} (when the last of them expires: past it, no
 * certificate from that root issued here is valid any more, whether or not its proxy renewed).
 *
 * <p>It knows only what this replica issued since it started: sum the series over the replicas, and after a
 * restart trust the last expiry only if it is later than the restart plus the longest lifetime issued.
 * Certificates issued outside the control plane ({@code tollgate ca issue}, {@code --ca-dir}) are not counted.
 */
public final class IssuedPerRoot {

    private final Clock clock;
    private final MeterRegistry registry;
    /** Per root fingerprint: how many certificates expire at each instant. */
    private final Map<String, TreeMap<Instant, Integer>> expiries = new ConcurrentHashMap<>();

    public IssuedPerRoot(MeterRegistry registry) {
        this(registry, Clock.systemUTC());
    }

    IssuedPerRoot(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** Records a certificate issued from {@code root}. */
    public void issued(X509Certificate root, Instant notAfter) {
        String fp = Roots.fingerprint(root);
        TreeMap<Instant, Integer> perRoot = expiries.computeIfAbsent(fp, k -> {
            register(k);
            return new TreeMap<>();
        });
        synchronized (perRoot) {
            perRoot.merge(notAfter, 1, Integer::sum);
            perRoot.headMap(clock.instant(), true).clear();
        }
    }

    /** Certificates from the root with this fingerprint that are still valid. */
    public int valid(String fingerprint) {
        TreeMap<Instant, Integer> perRoot = expiries.get(fingerprint);
        if (perRoot == null) {
            return 0;
        }
        synchronized (perRoot) {
            return perRoot.tailMap(clock.instant(), false).values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** When the last certificate issued from that root expires; empty when none was issued. */
    public Optional<Instant> lastExpiry(String fingerprint) {
        TreeMap<Instant, Integer> perRoot = expiries.get(fingerprint);
        if (perRoot == null) {
            return Optional.empty();
        }
        synchronized (perRoot) {
            return perRoot.isEmpty() ? Optional.empty() : Optional.of(perRoot.lastKey());
        }
    }

    private void register(String fingerprint) {
        Gauge.builder("tollgate.ca.certificates.valid", this, p -> p.valid(fingerprint)).tag("root", fingerprint)
                .description("certificates issued by this replica from the root that are not yet expired")
                .register(registry);
        Gauge.builder("tollgate.ca.certificates.last.expiry.timestamp.seconds", this,
                        p -> p.lastExpiry(fingerprint).map(Instant::getEpochSecond).orElse(0L))
                .tag("root", fingerprint)
                .description("when the last certificate issued by this replica from the root expires")
                .register(registry);
    }
}
