package dev.tollgate.config;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a proxy's configuration in force is current, whichever {@link SnapshotSource} supplies it: files on disk
 * or the control plane's push. One record for both, so that {@code /ready} and the metrics read one shape.
 *
 * @param loadedAt     when the snapshot in force was applied; empty before the first success
 * @param failingSince since when the configuration in force has not been known current: the first failed reload of
 *                     the files, or the moment the control plane's stream broke or a pushed version was rejected;
 *                     empty while it is current
 * @param firstError   why, formatted as {@code Error [code] (Kind ns/name file:line:col) ...} for a load error
 * @param version      the version in force, when the source names versions (the push's {@code version_info})
 * @param feed         for a pushed configuration: from where, and whether the stream is open
 */
public record ConfigStatus(Optional<Instant> loadedAt, Optional<Instant> failingSince, Optional<String> firstError,
                           Optional<String> version, Optional<Feed> feed) {

    public static final ConfigStatus NOTHING_YET = new ConfigStatus(Optional.empty(), Optional.empty(),
            Optional.empty());

    public ConfigStatus {
        Objects.requireNonNull(loadedAt, "loadedAt");
        Objects.requireNonNull(failingSince, "failingSince");
        Objects.requireNonNull(firstError, "firstError");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(feed, "feed");
    }

    /** A file-based status: no versions, no stream. */
    public ConfigStatus(Optional<Instant> loadedAt, Optional<Instant> failingSince, Optional<String> firstError) {
        this(loadedAt, failingSince, firstError, Optional.empty(), Optional.empty());
    }

    /**
     * The control plane a pushed configuration comes from.
     *
     * @param controlPlane      its address as given ({@code --control-plane})
     * @param disconnectedSince empty while the stream is open; otherwise since when it has not been
     */
    public record Feed(String controlPlane, Optional<Instant> disconnectedSince) {
        public Feed {
            Objects.requireNonNull(controlPlane, "controlPlane");
            Objects.requireNonNull(disconnectedSince, "disconnectedSince");
        }

        public boolean connected() {
            return disconnectedSince.isEmpty();
        }
    }

    public boolean lastReloadOk() {
        return failingSince.isEmpty();
    }

    /**
     * Seconds since the configuration in force was last known current (metric {@code tollgate_config_age_seconds}):
     * 0 while it is, counting from {@link #failingSince} once it is not; NaN before any configuration.
     */
    public double ageSeconds(Instant now) {
        if (loadedAt.isEmpty()) {
            return Double.NaN;
        }
        return failingSince.map(since -> Math.max(0, Duration.between(since, now).toMillis()) / 1000.0).orElse(0.0);
    }
}
