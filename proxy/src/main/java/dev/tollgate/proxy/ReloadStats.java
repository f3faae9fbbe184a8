package dev.tollgate.proxy;

import dev.tollgate.config.ConfigStore;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Reload counters and the staleness of the configuration in force, for the metrics and {@code /ready}, read from
 * whatever owns the configuration (usually a {@link ConfigStore}: {@link #of}).
 *
 * @param status          the store's {@link ConfigStore#status()}; empty when nothing reloads (fixed configuration)
 * @param limitRejections reloads refused by a size limit, by the diagnostic code of the limit
 */
public record ReloadStats(LongSupplier reloads, LongSupplier failures, Supplier<Optional<ConfigStore.Status>> status,
                          java.util.function.ToLongFunction<String> limitRejections) {
    public static final ReloadStats NONE = new ReloadStats(() -> 0, () -> 0);

    public ReloadStats(LongSupplier reloads, LongSupplier failures) {
        this(reloads, failures, Optional::empty, code -> 0);
    }

    public static ReloadStats of(ConfigStore store) {
        return new ReloadStats(store::reloads, store::reloadFailures, () -> Optional.of(store.status()),
                store::limitRejections);
    }

    boolean lastReloadOk() {
        return status.get().map(ConfigStore.Status::lastReloadOk).orElse(true);
    }

    /** Seconds since the snapshot in force was loaded; NaN when unknown. */
    double ageSeconds(Instant now) {
        return status.get().flatMap(ConfigStore.Status::loadedAt)
                .map(at -> Duration.between(at, now).toMillis() / 1000.0).orElse(Double.NaN);
    }

    /**
     * What {@code /ready} adds to "ready" while the configuration in force is stale: since when and the first error.
     * Readiness itself stays: every replica sees the same bad file, and failing them all would take the service
     * down while the last good configuration still works.
     */
    String staleNote() {
        return status.get().filter(s -> !s.lastReloadOk())
                .map(s -> "; config stale since " + s.failingSince().orElseThrow() + " (" + failures.getAsLong()
                        + " failed reloads; in force: loaded at " + s.loadedAt().map(Instant::toString).orElse("?")
                        + "): " + s.firstError().orElse("unknown error").replaceAll("[\\r\\n]+", " "))
                .orElse("");
    }
}
