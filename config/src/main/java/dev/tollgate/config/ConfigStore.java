package dev.tollgate.config;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.snapshot.MeshSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Holds the current {@link MeshSnapshot} and replaces it atomically when the configuration changes. A reload that
 * fails (invalid YAML, a validation error, or a compiler exception) keeps the last good snapshot in force and
 * records why: {@link #status()} says since when the configuration in force is stale and the first error, for the
 * proxies' {@code /ready} body and metrics, and the log says it once per distinct failure, not on every poll.
 * {@link #watch} polls the sources' content (and the files of folders) on a daemon thread.
 */
public final class ConfigStore implements SnapshotSource {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigStore.class);

    private final List<ConfigSource> sources;
    private final LoadOptions options;
    private final Function<ConfigSet, MeshSnapshot> compiler;
    private final AtomicReference<MeshSnapshot> current = new AtomicReference<>();
    private final AtomicReference<LoadResult> lastResult = new AtomicReference<>();
    private final List<Consumer<MeshSnapshot>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Map<String, AtomicLong> limitRejections = Map.of("file-too-large", new AtomicLong(),
            "scalar-too-large", new AtomicLong());
    private final Object reloadLock = new Object();
    private final Clock clock;
    private volatile ConfigStatus status = ConfigStatus.NOTHING_YET;
    /** The errors last logged, so that a failure that repeats unchanged is not logged again. */
    private List<String> loggedErrors = List.of();
    private volatile ScheduledExecutorService watcher;
    private volatile String lastFingerprint = "";

    public ConfigStore(List<ConfigSource> sources, LoadOptions options, Function<ConfigSet, MeshSnapshot> compiler) {
        this(sources, options, compiler, Clock.systemUTC());
    }

    ConfigStore(List<ConfigSource> sources, LoadOptions options, Function<ConfigSet, MeshSnapshot> compiler,
                Clock clock) {
        this.sources = List.copyOf(sources);
        this.options = Objects.requireNonNull(options, "options");
        this.compiler = Objects.requireNonNull(compiler, "compiler");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Loads, validates and compiles the sources. On success the new snapshot replaces the current one and every
     * listener gets it; on any error the previous snapshot stays and the result carries the diagnostics.
     */
    public LoadResult reload() {
        synchronized (reloadLock) {
            lastFingerprint = fingerprint();
            LoadResult result;
            try {
                result = ConfigLoader.load(sources, options);
            } catch (RuntimeException | StackOverflowError e) {
                // input nesting is bounded (YamlReader.MAX_DEPTH); should a path still recurse too deep, the reload
                // fails like any other instead of ending the watcher's task, which would stop every later reload
                result = failed("load-failed", "loading the configuration failed: " + e, List.of());
            }
            MeshSnapshot snapshot = null;
            if (result.ok()) {
                try {
                    snapshot = Objects.requireNonNull(compiler.apply(result.config().orElseThrow()),
                            "the compiler returned no snapshot");
                } catch (RuntimeException | LinkageError e) {
                    result = failed("compile-failed", "compiling the configuration failed: " + e,
                            result.diagnostics());
                }
            }
            lastResult.set(result);
            if (snapshot == null) {
                failed(result);
                return result;
            }
            current.set(snapshot);
            ConfigStatus before = status;
            // the status first, then the count: whoever sees the count (a metric, a test) sees the status with it
            status = new ConfigStatus(Optional.of(clock.instant()), Optional.empty(), Optional.empty());
            reloads.incrementAndGet();
            if (!before.lastReloadOk()) {
                LOG.info("configuration reloaded; it had been stale since {}", before.failingSince().orElseThrow());
            }
            loggedErrors = List.of();
            for (Consumer<MeshSnapshot> listener : listeners) {
                try {
                    listener.accept(snapshot);
                } catch (RuntimeException e) {
                    LOG.warn("a snapshot listener failed", e);
                }
            }
            return result;
        }
    }

    /** Keeps the snapshot in force, marks it stale, and logs the errors unless they are the ones last logged. */
    private void failed(LoadResult result) {
        List<String> errors = result.errors().stream().map(Diagnostic::format).toList();
        ConfigStatus before = status;
        // the status first, then the counts: whoever sees a count (a metric, a test) sees the status with it
        status = new ConfigStatus(before.loadedAt(), Optional.of(before.failingSince().orElseGet(clock::instant)),
                errors.stream().findFirst());
        failures.incrementAndGet();
        result.errors().stream().map(Diagnostic::code).distinct().map(limitRejections::get)
                .filter(Objects::nonNull).forEach(AtomicLong::incrementAndGet);
        if (errors.equals(loggedErrors)) {
            LOG.debug("configuration reload failed again with the same {} error(s)", errors.size());
            return;
        }
        loggedErrors = errors;
        int shown = Math.min(errors.size(), 10);
        LOG.warn("configuration reload failed; keeping the snapshot loaded at {}: {} error(s){}:\n  {}",
                before.loadedAt().map(Instant::toString).orElse("(none)"), errors.size(),
                shown < errors.size() ? ", the first " + shown : "", String.join("\n  ", errors.subList(0, shown)));
    }

    /** Whether the configuration in force is the one on disk: since when not, and the first error. */
    @Override
    public ConfigStatus status() {
        return status;
    }

    /**
     * Reloads refused by a size limit ({@code file-too-large} or {@code scalar-too-large}, the diagnostic codes of
     * {@link YamlLimits}); 0 for any other code.
     */
    @Override
    public long limitRejections(String code) {
        AtomicLong n = limitRejections.get(code);
        return n == null ? 0 : n.get();
    }

    /** The snapshot in force. */
    @Override
    public MeshSnapshot current() {
        MeshSnapshot s = current.get();
        if (s == null) {
            throw new IllegalStateException("no configuration has loaded successfully yet");
        }
        return s;
    }

    /** The outcome of the most recent reload, good or not. */
    public Optional<LoadResult> lastResult() {
        return Optional.ofNullable(lastResult.get());
    }

    /** Polls every source (content hash; files added to or removed from folders) and reloads on change. */
    public void watch(Duration pollInterval) {
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive");
        }
        synchronized (this) {
            if (watcher != null) {
                return;
            }
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tollgate-config-watch");
                t.setDaemon(true);
                return t;
            });
            if (lastFingerprint.isEmpty()) {
                lastFingerprint = fingerprint();
            }
            watcher.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** One poll: reloads when the fingerprint differs from the one of the last reload. */
    void poll() {
        try {
            if (!fingerprint().equals(lastFingerprint)) {
                reload();
            }
        } catch (RuntimeException e) {
            LOG.warn("configuration watch failed", e);
        }
    }

    @Override
    public void addListener(Consumer<MeshSnapshot> listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /** Successful reloads. */
    @Override
    public long reloads() {
        return reloads.get();
    }

    @Override
    public long reloadFailures() {
        return failures.get();
    }

    @Override
    public void close() {
        ScheduledExecutorService w = watcher;
        if (w != null) {
            w.shutdownNow();
        }
    }

    /** A hash over every source file's path and content; a missing source hashes as missing. */
    String fingerprint() {
        Map<String, String> files = new TreeMap<>();
        long maxBytes = options.limits().maxFileBytes();
        for (ConfigSource source : sources) {
            Path path = source.path();
            if (source.content().isPresent()) {
                // standard input, read once: it cannot change
                files.put(ConfigSource.STDIN, "stdin");
            } else if (Files.isDirectory(path)) {
                try {
                    ConfigFiles.filesOf(path, options.recursive()).forEach(f -> files.put(f.toString(), hash(f, maxBytes)));
                } catch (IOException | UncheckedIOException e) {
                    files.put(path.toString(), "unreadable");
                }
            } else {
                files.put(path.toString(), Files.exists(path) ? hash(path, maxBytes) : "missing");
            }
        }
        return hashText(files.toString());
    }

    /**
     * The content's hash, streamed. A file over the size limit is refused whatever it holds, so its size and time
     * stand for it: hashing a huge file on every poll would cost what the limit saves.
     */
    private static String hash(Path file, long maxBytes) {
        MessageDigest d = digest();
        try (java.io.InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            if (size > maxBytes) {
                return "too-large:" + size + ":" + Files.getLastModifiedTime(file).toMillis();
            }
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            return "unreadable";
        }
    }

    private static String hashText(String text) {
        return HexFormat.of().formatHex(digest().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static LoadResult failed(String code, String message, List<Diagnostic> before) {
        Diagnostic d = new Diagnostic(Diagnostic.Severity.ERROR, code, message, Origin.UNKNOWN, Optional.empty(), "");
        return new LoadResult(Optional.empty(), Stream.concat(before.stream(), Stream.of(d)).toList());
    }
}
