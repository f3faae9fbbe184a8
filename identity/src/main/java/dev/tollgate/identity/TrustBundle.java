package dev.tollgate.identity;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The mesh roots a proxy trusts, possibly several (during a root rotation, the old root and the new one), and,
 * when they come from a PEM file, re-read when the file changes, so that a proxy follows a rotation without a restart.
 *
 * <p>The file is polled rather than watched with inotify: a Kubernetes ConfigMap volume changes by swapping a
 * symlink ({@code ..data}) in the directory, which a watch on the file itself never sees, and a poll of a file of
 * a few kilobytes costs nothing. New content is taken only once two reads in a row agree, so a file being written
 * in place is never taken half-written (a truncated bundle would drop a root that peers still use).
 *
 * <p>A changed file that is not a usable bundle (empty, not PEM, a certificate that is not a CA) is logged and
 * counted in {@link #reloadFailures()}, and the last good roots stay in force: distrusting every peer would stop
 * all mesh traffic, and a broken file is more likely a mistake than an attack (who can write it could write a
 * hostile root as well).
 *
 * <p>{@link #roots()} returns the same list instance until the roots change, so that a caller can cache what it
 * builds from them (TLS contexts) and rebuild by identity comparison.
 */
public final class TrustBundle implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrustBundle.class);
    /** A ConfigMap volume is refreshed by the kubelet about once a minute; one second adds nothing noticeable. */
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

    private final Optional<Path> file;
    private final List<Consumer<List<X509Certificate>>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final ScheduledExecutorService poller;
    private volatile List<X509Certificate> roots;
    /** The content in force, and the last content read that differed from it (taken when read again unchanged). */
    private byte[] applied;
    private byte[] pending;
    private boolean unreadable;

    private TrustBundle(Optional<Path> file, List<X509Certificate> roots, byte[] applied, ScheduledExecutorService poller) {
        this.file = file;
        this.roots = roots;
        this.applied = applied;
        this.poller = poller;
    }

    /** Roots that never change (a CA folder, tests). */
    public static TrustBundle of(List<X509Certificate> roots) {
        return new TrustBundle(Optional.empty(), checked(List.copyOf(roots), "the trust roots"), new byte[0], null);
    }

    /** {@link #watch(Path, Duration)} every {@link #DEFAULT_POLL}. */
    public static TrustBundle watch(Path pem) {
        return watch(pem, DEFAULT_POLL);
    }

    /**
     * Reads {@code pem} now, and again every {@code poll} on a daemon thread until {@link #close()}.
     *
     * @throws IllegalArgumentException     when the file is not a usable bundle now (there is no last good one)
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    public static TrustBundle watch(Path pem, Duration poll) {
        byte[] content = read(pem);
        List<X509Certificate> first = parse(content, pem);
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-trust-bundle");
            t.setDaemon(true);
            return t;
        });
        TrustBundle bundle = new TrustBundle(Optional.of(pem), first, content, poller);
        long millis = Math.max(1, poll.toMillis());
        poller.scheduleWithFixedDelay(bundle::pollQuietly, millis, millis, TimeUnit.MILLISECONDS);
        return bundle;
    }

    /** The roots in force now: never empty. */
    public List<X509Certificate> roots() {
        return roots;
    }

    /** A trust manager over whatever roots {@code roots} gives at each handshake, e.g. the CA Secret's trusted roots. */
    public static javax.net.ssl.X509ExtendedTrustManager trustManager(
            java.util.function.Supplier<List<java.security.cert.X509Certificate>> roots) {
        return new LiveTrustManager(roots);
    }

    /** A PKIX trust manager over fixed roots: the one way the mesh builds one, live or not. */
    public static javax.net.ssl.X509ExtendedTrustManager pkixTrustManager(
            List<java.security.cert.X509Certificate> roots) {
        return LiveTrustManager.pkix(roots);
    }

    /**
     * A trust manager that checks each handshake against the roots in force at that moment: for a TLS stack that
     * takes its trust manager once (a gRPC channel to the control plane, the control plane's server).
     */
    public javax.net.ssl.X509ExtendedTrustManager trustManager() {
        return new LiveTrustManager(this::roots);
    }

    /** The file the roots come from; empty for fixed roots. */
    public Optional<Path> file() {
        return file;
    }

    /** Called with the new roots after each change, on the polling thread; a listener that throws is logged. */
    public void addListener(Consumer<List<X509Certificate>> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Changes taken since construction. */
    public long reloads() {
        return reloads.get();
    }

    /** Changed contents refused (the last good roots stayed in force). */
    public long reloadFailures() {
        return failures.get();
    }

    /**
     * Reads the file once, as the poller does: a changed content is taken when this read agrees with the previous
     * one. Public for tests and for a caller that knows the file just changed.
     *
     * @return whether the roots changed
     */
    public synchronized boolean poll() {
        if (file.isEmpty()) {
            return false;
        }
        byte[] now;
        try {
            now = read(file.get());
        } catch (RuntimeException e) {
            if (!unreadable) { // report an unreadable file once, not every second
                failures.incrementAndGet();
                log.warn("cannot read the trust bundle {}; keeping the {} roots in force: {}", file.get(), roots.size(),
                        e.getMessage());
            }
            unreadable = true;
            return false;
        }
        unreadable = false;
        if (Arrays.equals(now, applied)) {
            pending = null;
            return false;
        }
        if (!Arrays.equals(now, pending)) {
            pending = now; // first sight: wait for a second read to agree
            return false;
        }
        List<X509Certificate> next;
        try {
            next = parse(now, file.get());
        } catch (IllegalArgumentException e) {
            failures.incrementAndGet();
            log.error("the trust bundle {} changed but is unusable; keeping the {} roots in force: {}", file.get(),
                    roots.size(), e.getMessage());
            applied = now; // do not count the same bad content again; a later good one is still taken
            pending = null;
            return false;
        }
        applied = now;
        pending = null;
        roots = next;
        reloads.incrementAndGet();
        log.info("the trust bundle {} changed: {} roots now trusted", file.get(), next.size());
        for (Consumer<List<X509Certificate>> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                log.error("a trust bundle listener failed: {}", e.toString(), e);
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            log.error("polling the trust bundle failed: {}", e.toString(), e);
        }
    }

    private static byte[] read(Path pem) {
        try {
            return Files.readAllBytes(pem);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the trust bundle " + pem + ": " + e, e);
        }
    }

    private static List<X509Certificate> parse(byte[] content, Path source) {
        return parseRoots(new String(content, java.nio.charset.StandardCharsets.US_ASCII), source.toString());
    }

    /**
     * Reads a PEM bundle of roots as strictly as a trust decision needs: whole (every PEM block read; the JDK's
     * parser quietly stops at a truncated last block), at least one certificate, and only CA certificates.
     * The control plane reads the roots of its CA Secret with it too.
     *
     * @throws IllegalArgumentException naming {@code source} and what is wrong
     */
    public static List<X509Certificate> parseRoots(String pem, String source) {
        List<X509Certificate> parsed = PemFiles.parseCertificates(pem, source);
        int begins = pem.split("-----BEGIN ", -1).length - 1;
        int ends = pem.split("-----END ", -1).length - 1;
        if (begins != parsed.size() || ends != parsed.size()) {
            throw new IllegalArgumentException(source + ": " + begins + " PEM blocks begin and " + ends + " end, but "
                    + parsed.size() + " certificates could be read; is it truncated?");
        }
        return checked(parsed, source);
    }

    /** Every entry must be a CA certificate: a leaf in a bundle by mistake would be trusted as an anchor. */
    private static List<X509Certificate> checked(List<X509Certificate> roots, String source) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException(source + ": no root certificate");
        }
        for (X509Certificate c : roots) {
            if (c.getBasicConstraints() < 0) {
                throw new IllegalArgumentException(source + ": " + c.getSubjectX500Principal().getName()
                        + " is not a CA certificate");
            }
        }
        return List.copyOf(roots);
    }
}
