package dev.tollgate.config;

import dev.tollgate.core.snapshot.MeshSnapshot;

import java.util.function.Consumer;

/**
 * Where a proxy's configuration comes from: the files it watches ({@link ConfigStore}) or the control plane's
 * push (the agent's ConfigClient). Both validate with the same loader, compile, swap atomically and keep the last
 * good snapshot when a new one fails; the proxy reads its snapshots, listeners, counters and staleness from here and
 * does not care which it is.
 */
public interface SnapshotSource extends AutoCloseable {

    /**
     * The snapshot in force.
     *
     * @throws IllegalStateException before the first good configuration (the proxies then refuse all traffic)
     */
    MeshSnapshot current();

    /** Called with every new snapshot after it is in force. */
    void addListener(Consumer<MeshSnapshot> listener);

    /** Whether the configuration in force is current, since when not, and why. */
    ConfigStatus status();

    /** Configurations applied (a new snapshot in force). */
    long reloads();

    /** Configurations refused (the last good snapshot kept). */
    long reloadFailures();

    /** Refusals by a size limit, by the diagnostic code of the limit (see {@link YamlLimits}). */
    default long limitRejections(String code) {
        return 0;
    }

    @Override
    void close();
}
