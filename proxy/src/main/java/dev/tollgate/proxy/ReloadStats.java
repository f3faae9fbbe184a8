package dev.tollgate.proxy;

import java.util.function.LongSupplier;

/**
 * Reload counters for the metrics, read from whatever owns the configuration (the config module's
 * {@code ConfigStore::reloads} and {@code ::reloadFailures}).
 */
public record ReloadStats(LongSupplier reloads, LongSupplier failures) {
    public static final ReloadStats NONE = new ReloadStats(() -> 0, () -> 0);
}
