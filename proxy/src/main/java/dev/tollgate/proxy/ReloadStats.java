package dev.tollgate.proxy;

import dev.tollgate.config.ConfigStatus;
import dev.tollgate.config.SnapshotSource;

import java.time.Instant;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Reload counters and the staleness of the configuration in force, for the metrics and {@code /ready}, read from
 * whatever supplies the configuration ({@link #of}: the watched files or the control plane's push).
 *
 * @param status          the source's {@link SnapshotSource#status()}; empty when nothing reloads (fixed configuration)
 * @param limitRejections reloads refused by a size limit, by the diagnostic code of the limit
 */
public record ReloadStats(LongSupplier reloads, LongSupplier failures, Supplier<Optional<ConfigStatus>> status,
                          java.util.function.ToLongFunction<String> limitRejections) {
    public static final ReloadStats NONE = new ReloadStats(() -> 0, () -> 0);

    public ReloadStats(LongSupplier reloads, LongSupplier failures) {
        this(reloads, failures, Optional::empty, code -> 0);
    }

    public static ReloadStats of(SnapshotSource source) {
        return new ReloadStats(source::reloads, source::reloadFailures, () -> Optional.of(source.status()),
                source::limitRejections);
    }

    boolean lastReloadOk() {
        return status.get().map(ConfigStatus::lastReloadOk).orElse(true);
    }

    /** Seconds since the configuration in force was last known current (0 while it is); NaN when unknown. */
    double ageSeconds(Instant now) {
        return status.get().map(s -> s.ageSeconds(now)).orElse(Double.NaN);
    }

    /**
     * What {@code /ready} adds to "ready" or "not ready". For files, while the configuration in force is stale: since
     * when and the first error. For a pushed configuration, always: the version in force, the control plane, whether
     * the stream is open (or since when not), the age, and a rejection's error. Readiness itself never depends on
     * staleness: every replica sees the same bad file or the same unreachable control plane, and failing them all
     * would take the service down while the last good configuration still works.
     */
    String staleNote() {
        Optional<ConfigStatus> s = status.get();
        if (s.isPresent() && s.get().feed().isPresent()) {
            return pushNote(s.get(), s.get().feed().get(), Instant.now());
        }
        return s.filter(st -> !st.lastReloadOk())
                .map(st -> "; config stale since " + st.failingSince().orElseThrow() + " (" + failures.getAsLong()
                        + " failed reloads; in force: loaded at " + st.loadedAt().map(Instant::toString).orElse("?")
                        + "): " + oneLine(st.firstError().orElse("unknown error")))
                .orElse("");
    }

    static String pushNote(ConfigStatus s, ConfigStatus.Feed feed, Instant now) {
        StringBuilder b = new StringBuilder("; version ").append(s.version().orElse("(none)"));
        s.loadedAt().ifPresent(at -> b.append(" applied at ").append(at));
        b.append("; control plane ").append(feed.controlPlane());
        b.append(feed.disconnectedSince().map(since -> " disconnected since " + since).orElse(" connected"));
        double age = s.ageSeconds(now);
        b.append("; config age ").append(Double.isNaN(age) ? "n/a" : String.format(java.util.Locale.ROOT, "%.0fs", age));
        s.firstError().ifPresent(e -> b.append("; ").append(oneLine(e)));
        return b.toString();
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
