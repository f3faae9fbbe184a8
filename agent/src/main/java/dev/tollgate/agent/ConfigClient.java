package dev.tollgate.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.api.config.v1.ConfigResponse;
import dev.tollgate.api.config.v1.ConfigServiceGrpc;
import dev.tollgate.api.config.v1.Node;
import dev.tollgate.api.config.v1.Resource;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.ConfigStatus;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.config.ParsedObject;
import dev.tollgate.config.SnapshotSource;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.PemFiles;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A proxy's configuration as the control plane pushes it ({@code tollgate.config.v1.ConfigService/StreamConfig}),
 * the other {@link SnapshotSource} beside the watched files.
 *
 * <p>Each pushed version goes through the loader the files take ({@link ConfigLoader#loadObjects}) and the
 * compiler; if both succeed it replaces the snapshot in force atomically and is acknowledged with its version,
 * otherwise it is rejected with the first error and the last good snapshot stays. Before the first good version
 * {@link #current()} throws, so the proxy refuses all traffic and is not ready (fail closed).
 *
 * <p>The stream runs over mutual TLS: the proxy presents its workload certificate and trusts only the mesh roots,
 * for the name {@code authority}. Every connection attempt builds a new channel with the certificate and roots
 * current at that moment, so a renewed certificate (or re-read roots) is used by the next connection without
 * disturbing an open stream. When the stream fails the proxy keeps enforcing what it has and tries again after a
 * {@link Backoff} wait (full jitter, {@link Backoff#DEFAULT}: 0.5 s doubling to 30 s), reset once a new stream
 * delivers a response.
 */
public final class ConfigClient implements SnapshotSource {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The largest response accepted: the whole view of a namespace, not one object (Kubernetes keeps each under
     * 1.5 MiB). A larger one fails the stream (RESOURCE_EXHAUSTED) instead of being buffered.
     */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 32 << 20;
    static final int MAX_ERROR_DETAIL = 4096;

    /**
     * Where and how to connect.
     *
     * @param controlPlane    {@code HOST:PORT}, as {@code --control-plane} gives it
     * @param authority       the name the control plane's certificate must carry ({@code --control-plane-name})
     * @param roots           the mesh roots, asked anew for every connection (one place to swap in a reloading file)
     * @param certificate     the workload certificate to present, asked anew for every connection
     * @param node            who this proxy is; the control plane answers with that node's view
     * @param maxMessageBytes the largest response accepted
     */
    public record Connection(String controlPlane, String authority, Supplier<List<X509Certificate>> roots,
                             Supplier<IssuedCertificate> certificate, Node node, Backoff.Policy backoff,
                             int maxMessageBytes) {
        public Connection {
            Objects.requireNonNull(controlPlane, "controlPlane");
            Objects.requireNonNull(authority, "authority");
            Objects.requireNonNull(roots, "roots");
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(backoff, "backoff");
            if (maxMessageBytes <= 0) {
                throw new IllegalArgumentException("maxMessageBytes must be positive");
            }
        }
    }

    private final Connection connection;
    private final LoadOptions options;
    private final Function<ConfigSet, MeshSnapshot> compiler;
    private final Clock clock;
    private final Backoff backoff;
    private final ScheduledExecutorService loop;
    private final List<Consumer<MeshSnapshot>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Duration>> waitListeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<MeshSnapshot> current = new AtomicReference<>();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong attempts = new AtomicLong();
    /** Guards the fields below, which make up {@link #status()}, and the stream's lifecycle. */
    private final Object lock = new Object();
    private Optional<String> version = Optional.empty();
    private Optional<Instant> loadedAt = Optional.empty();
    private Optional<Instant> staleSince = Optional.empty();
    private Optional<String> error = Optional.empty();
    private Optional<Instant> disconnectedSince;
    private ManagedChannel channel;
    private Stream stream;
    private boolean closed;

    public ConfigClient(Connection connection, LoadOptions options, Function<ConfigSet, MeshSnapshot> compiler,
                        Clock clock) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.options = Objects.requireNonNull(options, "options");
        this.compiler = Objects.requireNonNull(compiler, "compiler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.backoff = new Backoff(connection.backoff(), () -> ThreadLocalRandom.current().nextDouble());
        this.disconnectedSince = Optional.of(clock.instant());
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-config-client");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the stream (on a background thread) and keeps it open until {@link #close()}. */
    public ConfigClient start() {
        loop.execute(this::connect);
        return this;
    }

    @Override
    public MeshSnapshot current() {
        MeshSnapshot s = current.get();
        if (s == null) {
            throw new IllegalStateException("no configuration from the control plane " + connection.controlPlane()
                    + " yet");
        }
        return s;
    }

    @Override
    public void addListener(Consumer<MeshSnapshot> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Called with each reconnect wait as it is chosen (for tests and logs of the backoff). */
    public void addReconnectListener(Consumer<Duration> listener) {
        waitListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public ConfigStatus status() {
        synchronized (lock) {
            return new ConfigStatus(loadedAt, loadedAt.isEmpty() ? Optional.empty() : staleSince, error, version,
                    Optional.of(new ConfigStatus.Feed(connection.controlPlane(), disconnectedSince)));
        }
    }

    /** Versions applied. */
    @Override
    public long reloads() {
        return applied.get();
    }

    /** Versions rejected. */
    @Override
    public long reloadFailures() {
        return rejected.get();
    }

    /** Streams opened (connection attempts), including the first. */
    public long attempts() {
        return attempts.get();
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (stream != null) {
                stream.cancel();
            }
            if (channel != null) {
                channel.shutdownNow();
            }
        }
        loop.shutdownNow();
    }

    private void connect() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            attempts.incrementAndGet();
            try {
                channel = channel();
            } catch (RuntimeException e) {
                // no certificate (the CA is unreachable too) or unreadable roots: a failed attempt like any other
                LOG.warn("cannot connect to the control plane {}: {}", connection.controlPlane(), e.getMessage());
                retry(null, e.toString());
                return;
            }
            stream = new Stream(channel);
            stream.open();
        }
    }

    private ManagedChannel channel() {
        IssuedCertificate identity = connection.certificate().get();
        TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
        try {
            tls.keyManager(pem(PemFiles.toPem(identity.chain())), pem(PemFiles.toPem(identity.key())));
            tls.trustManager(pem(PemFiles.toPem(connection.roots().get())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Grpc.newChannelBuilder(target(connection.controlPlane()), tls.build())
                .overrideAuthority(connection.authority())
                .maxInboundMessageSize(connection.maxMessageBytes())
                .build();
    }

    /**
     * The gRPC target for {@code HOST:PORT}: through DNS, explicitly, since a host name such as
     * {@code tollgate-control.tollgate-system.svc} would otherwise parse as a URI scheme. A target with a scheme is
     * taken as it is.
     */
    public static String target(String controlPlane) {
        return controlPlane.contains("://") || controlPlane.startsWith("dns:") ? controlPlane : "dns:///" + controlPlane;
    }

    private static ByteArrayInputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Called under the lock when {@code failed} (or the attempt before it had a stream) ended. */
    private void retry(Stream failed, String why) {
        if (closed || (failed != null && failed != stream)) {
            return;
        }
        Instant now = clock.instant();
        if (disconnectedSince.isEmpty()) {
            disconnectedSince = Optional.of(now);
        }
        if (staleSince.isEmpty()) {
            staleSince = Optional.of(now);
        }
        error = Optional.of("control plane " + connection.controlPlane() + " unreachable: " + why);
        stream = null;
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
        Duration wait = backoff.next();
        for (Consumer<Duration> l : waitListeners) {
            l.accept(wait);
        }
        LOG.info("the config stream to {} ended ({}); enforcing version {}; reconnecting in {} ms",
                connection.controlPlane(), why, version.orElse("(none)"), wait.toMillis());
        try {
            loop.schedule(this::connect, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** One StreamConfig call. Its callbacks come one at a time (grpc serialises a call's listener). */
    private final class Stream implements StreamObserver<ConfigResponse> {
        private final ManagedChannel channel;
        private StreamObserver<ConfigRequest> requests;

        Stream(ManagedChannel channel) {
            this.channel = channel;
        }

        void open() {
            requests = ConfigServiceGrpc.newStub(channel).streamConfig(this);
            send(ConfigRequest.newBuilder().setNode(connection.node()).setVersionInfo(version.orElse("")).build());
        }

        void cancel() {
            try {
                requests.onError(Status.CANCELLED.withDescription("the proxy is stopping").asRuntimeException());
            } catch (RuntimeException e) {
                // already ended
            }
        }

        private void send(ConfigRequest request) {
            synchronized (this) {
                requests.onNext(request);
            }
        }

        @Override
        public void onNext(ConfigResponse response) {
            synchronized (lock) {
                if (closed || stream != this) {
                    return;
                }
                disconnectedSince = Optional.empty();
                backoff.reset();
            }
            Optional<String> refusal = apply(response);
            ConfigRequest.Builder answer = ConfigRequest.newBuilder().setResponseNonce(response.getNonce());
            synchronized (lock) {
                answer.setVersionInfo(version.orElse(""));
            }
            // bounded: a loader message quotes the offending value, and the control plane logs what it gets
            refusal.map(r -> r.length() > MAX_ERROR_DETAIL ? r.substring(0, MAX_ERROR_DETAIL) + "..." : r)
                    .ifPresent(answer::setErrorDetail);
            try {
                send(answer.build());
            } catch (RuntimeException e) {
                LOG.debug("could not answer the control plane: {}", e.toString());
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (lock) {
                retry(this, describe(t));
            }
        }

        @Override
        public void onCompleted() {
            synchronized (lock) {
                retry(this, "the control plane closed the stream");
            }
        }
    }

    /** Loads, compiles and swaps one pushed version; the refusal's text when it cannot. */
    private Optional<String> apply(ConfigResponse response) {
        String v = response.getVersionInfo();
        synchronized (lock) {
            if (current.get() != null && version.equals(Optional.of(v))) {
                // the same content (another replica, or a reconnect): nothing to compile
                current(v, false);
                return Optional.empty();
            }
        }
        MeshSnapshot snapshot;
        try {
            snapshot = compile(response);
        } catch (Refused r) {
            rejected.incrementAndGet();
            synchronized (lock) {
                if (staleSince.isEmpty()) {
                    staleSince = Optional.of(clock.instant());
                }
                error = Optional.of("version " + printable(v) + " rejected: " + r.getMessage());
            }
            LOG.warn("rejected configuration version {} from {}; keeping version {}: {}", printable(v),
                    connection.controlPlane(), version.orElse("(none)"), r.getMessage());
            return Optional.of(r.getMessage());
        }
        synchronized (lock) {
            current.set(snapshot);
            current(v, true);
        }
        applied.incrementAndGet();
        LOG.info("applied configuration version {} from {} ({} resources)", printable(v), connection.controlPlane(),
                response.getResourcesCount());
        for (Consumer<MeshSnapshot> l : listeners) {
            try {
                l.accept(snapshot);
            } catch (RuntimeException e) {
                LOG.warn("a snapshot listener failed", e);
            }
        }
        return Optional.empty();
    }

    /** Under the lock: {@code v} is in force and known current. */
    private void current(String v, boolean fresh) {
        version = Optional.of(v);
        if (fresh || loadedAt.isEmpty()) {
            loadedAt = Optional.of(clock.instant());
        }
        staleSince = Optional.empty();
        error = Optional.empty();
    }

    private MeshSnapshot compile(ConfigResponse response) throws Refused {
        List<ParsedObject> objects = new ArrayList<>(response.getResourcesCount());
        for (Resource r : response.getResourcesList()) {
            String source = r.getSource().isBlank() ? "control-plane:resource#" + objects.size() : r.getSource();
            try {
                objects.add(new ParsedObject(source, JSON.readValue(r.getJson(), new TypeReference<Map<String, Object>>() {
                })));
            } catch (JsonProcessingException | RuntimeException e) {
                throw new Refused(printable(source) + ": not a JSON object: " + firstLine(e.getMessage()));
            }
        }
        LoadResult result;
        try {
            result = ConfigLoader.loadObjects(objects, options);
        } catch (RuntimeException | StackOverflowError e) {
            throw new Refused("loading the configuration failed: " + e);
        }
        if (!result.ok()) {
            throw new Refused(result.errors().stream().findFirst().map(Diagnostic::format).orElse("unknown error"));
        }
        try {
            return Objects.requireNonNull(compiler.apply(result.config().orElseThrow()), "no snapshot");
        } catch (RuntimeException | StackOverflowError e) {
            throw new Refused("compiling the configuration failed: " + e);
        }
    }

    /** One line: the status, and the root cause, which names a TLS refusal (grpc says only "io exception"). */
    static String describe(Throwable t) {
        Status s = Status.fromThrowable(t);
        StringBuilder b = new StringBuilder(s.getCode().toString());
        if (s.getDescription() != null) {
            b.append(": ").append(firstLine(s.getDescription()));
        }
        Throwable root = s.getCause();
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != null && root.getMessage() != null) {
            b.append(" (").append(firstLine(root.getMessage())).append(')');
        }
        return printable(b.toString());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A version or source name from the wire, safe for one log line and bounded. */
    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 200 ? p.substring(0, 200) + "..." : p;
    }

    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
