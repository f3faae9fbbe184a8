package dev.tollgate.control.push;

import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.api.config.v1.ConfigResponse;
import dev.tollgate.api.config.v1.ConfigServiceGrpc;
import dev.tollgate.api.config.v1.Node;
import dev.tollgate.control.watch.WatchedSnapshot;
import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.identity.SpiffeId;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code tollgate.config.v1.ConfigService}: one stream per proxy, each sent its own view ({@link ProxyView}) of the
 * latest snapshot when it connects and again whenever that view changes, and each answer counted as an ACK or a NACK.
 *
 * <p>Refusals: UNAUTHENTICATED without a workload certificate ({@link WorkloadCertificates}); PERMISSION_DENIED when
 * the node claims another namespace or service account than its certificate proves (the view depends on both, so a
 * proxy could otherwise read another namespace's private resources); INVALID_ARGUMENT for a request that names no
 * usable node; UNAVAILABLE before the watch has its first snapshot: a replica that just started serves nothing rather
 * than an empty configuration, and the proxy keeps its last good one and retries.
 *
 * <p>Flow control: gRPC buffers whatever {@code onNext} is given, without limit, for a proxy that does not read (stuck,
 * or on a slow link). Only the newest view matters to a proxy, so while its stream is not ready a stream keeps just the
 * latest unsent view, replacing older ones, and sends it when gRPC says the stream is ready again: memory stays one
 * view per proxy however many snapshots go by, and the last version is never lost.
 */
public final class ConfigPushService extends ConfigServiceGrpc.ConfigServiceImplBase implements Consumer<WatchedSnapshot> {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigPushService.class);
    /** More labels than any pod carries: a node beyond it is refused before any view is computed for it. */
    static final int MAX_LABELS = 256;

    private final Supplier<Optional<WatchedSnapshot>> current;
    private final PushMetrics metrics;
    private final Set<ProxyStream> streams = ConcurrentHashMap.newKeySet();
    /** Views of the latest snapshot, shared by the proxies of one namespace, kind and labels. */
    private volatile ViewCache views = new ViewCache(-1);

    /**
     * @param current the watch's latest snapshot, empty until it has synced; subscribe this service to the watch
     *                ({@code watch.subscribe(service)}) so that it learns of every later one
     */
    public ConfigPushService(Supplier<Optional<WatchedSnapshot>> current, MeterRegistry meters) {
        this.current = Objects.requireNonNull(current);
        this.metrics = new PushMetrics(meters);
    }

    /** The service with the interceptor that authenticates its callers, as a server should register it. */
    public ServerServiceDefinition authenticated() {
        return ServerInterceptors.intercept(this, new WorkloadCertificates());
    }

    /** Proxies with an open stream now. */
    public int connected() {
        return streams.size();
    }

    /** A new snapshot: every proxy whose view changed gets it. */
    @Override
    public void accept(WatchedSnapshot snapshot) {
        for (ProxyStream s : streams) {
            s.push(snapshot);
        }
    }

    @Override
    public StreamObserver<ConfigRequest> streamConfig(StreamObserver<ConfigResponse> responses) {
        SpiffeId identity = WorkloadCertificates.IDENTITY.get();
        if (identity == null) { // registered without authenticated()
            responses.onError(Status.UNAUTHENTICATED.withDescription("no client certificate").asRuntimeException());
            return new Ignored();
        }
        ProxyStream stream = new ProxyStream(identity, (ServerCallStreamObserver<ConfigResponse>) responses);
        ((ServerCallStreamObserver<ConfigResponse>) responses).setOnCancelHandler(stream::closed);
        ((ServerCallStreamObserver<ConfigResponse>) responses).setOnReadyHandler(stream::ready);
        return stream;
    }

    private ProxyView view(WatchedSnapshot snapshot, ProxyRef.Kind kind, WorkloadRef proxy) {
        ViewCache cache = views;
        if (cache.snapshot != snapshot.version()) {
            if (cache.snapshot > snapshot.version()) {
                return ProxyView.of(snapshot, kind, proxy);
            }
            cache = new ViewCache(snapshot.version());
            views = cache;
        }
        return cache.views.computeIfAbsent(new ViewKey(kind, proxy), k -> ProxyView.of(snapshot, kind, proxy));
    }

    private record ViewKey(ProxyRef.Kind kind, WorkloadRef proxy) {
    }

    private static final class ViewCache {
        final long snapshot;
        final Map<ViewKey, ProxyView> views = new ConcurrentHashMap<>();

        ViewCache(long snapshot) {
            this.snapshot = snapshot;
        }
    }

    /** One proxy's stream. Its methods run on gRPC's threads and the watch's, so they hold the stream's lock. */
    private final class ProxyStream implements StreamObserver<ConfigRequest> {
        private final SpiffeId identity;
        private final ServerCallStreamObserver<ConfigResponse> responses;
        private Node node;
        private ProxyRef.Kind kind;
        private WorkloadRef workload;
        private long snapshotVersion = -1;
        private String sentVersion = "";
        private String sentNonce = "";
        private String ackedVersion = "";
        /** The latest view not yet sent because the stream was not ready (the proxy is not reading), if any. */
        private ProxyView pending;
        private boolean done;

        ProxyStream(SpiffeId identity, ServerCallStreamObserver<ConfigResponse> responses) {
            this.identity = identity;
            this.responses = responses;
        }

        @Override
        public synchronized void onNext(ConfigRequest request) {
            if (done) {
                return;
            }
            if (node == null) {
                first(request);
                return;
            }
            if (request.hasNode() && !request.getNode().equals(node)) {
                refuse(Status.INVALID_ARGUMENT.withDescription("the node changed within the stream; open a new one"));
                return;
            }
            if (!request.getResponseNonce().equals(sentNonce)) {
                // an answer to a response that a newer one has replaced (xDS: stale nonce); the newer one is answered later
                LOG.debug("{}: ignoring an answer to nonce '{}', the latest sent is '{}'", this,
                        request.getResponseNonce(), sentNonce);
                return;
            }
            if (!request.getErrorDetail().isEmpty()) {
                metrics.nack();
                LOG.warn("{} REJECTED config version {} and keeps enforcing {}: {}", this, sentVersion,
                        request.getVersionInfo().isEmpty() ? "none" : request.getVersionInfo(),
                        SpiffeId.printable(request.getErrorDetail()));
            } else {
                metrics.ack();
                LOG.debug("{} applied config version {}", this, request.getVersionInfo());
            }
            ackedVersion = request.getVersionInfo();
        }

        private void first(ConfigRequest request) {
            Optional<String> invalid = invalid(request);
            if (invalid.isPresent()) {
                refuse(Status.INVALID_ARGUMENT.withDescription(invalid.get()));
                return;
            }
            Node n = request.getNode();
            if (!n.getNamespace().equals(identity.namespace()) || !n.getServiceAccount().equals(identity.serviceAccount())) {
                LOG.warn("refused a config stream: node {}/{} presented the certificate of {}", n.getNamespace(),
                        n.getServiceAccount(), identity);
                refuse(Status.PERMISSION_DENIED.withDescription("the node is " + n.getNamespace() + "/"
                        + n.getServiceAccount() + " but the client certificate is " + identity.uri()));
                return;
            }
            Optional<WatchedSnapshot> snapshot = current.get();
            if (snapshot.isEmpty()) {
                refuse(Status.UNAVAILABLE.withDescription("this control-plane replica has not synced with the "
                        + "cluster yet; keep the last good configuration and retry"));
                return;
            }
            node = n;
            kind = n.getKind() == Node.Kind.GATEWAY ? ProxyRef.Kind.GATEWAY : ProxyRef.Kind.SIDECAR;
            workload = new WorkloadRef(n.getNamespace(), n.getServiceAccount(), n.getLabelsMap());
            ackedVersion = request.getVersionInfo();
            streams.add(this);
            metrics.connected(kind, 1);
            LOG.info("{} connected{}", this, ackedVersion.isEmpty() ? "" : ", enforcing version " + ackedVersion);
            // always answered, even when it already enforces this version (it reconnected): the answer tells it that
            // its version is current, and the hash lets it skip recompiling
            offer(view(snapshot.get(), kind, workload), snapshot.get().version());
        }

        private static Optional<String> invalid(ConfigRequest request) {
            if (!request.hasNode()) {
                return Optional.of("the stream's first request must name the node");
            }
            Node n = request.getNode();
            if (n.getKind() != Node.Kind.SIDECAR && n.getKind() != Node.Kind.GATEWAY) {
                return Optional.of("node.kind must be SIDECAR or GATEWAY");
            }
            if (!KubernetesNames.isLabel(n.getNamespace())) {
                return Optional.of("node.namespace is not a namespace name");
            }
            if (n.getServiceAccount().isEmpty()) {
                return Optional.of("node.service_account is empty");
            }
            if (n.getLabelsCount() > MAX_LABELS) {
                return Optional.of("node.labels has more than " + MAX_LABELS + " labels");
            }
            if (!request.getResponseNonce().isEmpty() || !request.getErrorDetail().isEmpty()) {
                return Optional.of("the stream's first request answers no response: response_nonce and error_detail "
                        + "must be empty");
            }
            return Optional.empty();
        }

        /** Sends {@code snapshot}'s view unless it is older than the last one used, or the same as the last sent. */
        synchronized void push(WatchedSnapshot snapshot) {
            if (done || node == null || snapshot.version() <= snapshotVersion) {
                return;
            }
            ProxyView view = view(snapshot, kind, workload);
            if (view.version().equals(sentVersion)) {
                snapshotVersion = snapshot.version();
                pending = null; // back to what the proxy has (or has in flight): the held view is obsolete
                return;
            }
            offer(view, snapshot.version());
        }

        /** Sends now if gRPC can take it, else holds it as the one pending view (replacing an older one). */
        private void offer(ProxyView view, long snapshot) {
            snapshotVersion = snapshot;
            if (pending != null && !pending.version().equals(view.version())) {
                metrics.superseded(kind);
                LOG.debug("{} was not reading: version {} replaces the unsent {}", this, view.version(),
                        pending.version());
            }
            if (responses.isReady()) {
                pending = null;
                send(view);
            } else {
                pending = view;
            }
        }

        /** gRPC's onReady: the proxy has read enough that a held view can go. */
        synchronized void ready() {
            if (!done && pending != null && responses.isReady()) {
                ProxyView view = pending;
                pending = null;
                send(view);
            }
        }

        private void send(ProxyView view) {
            sentVersion = view.version();
            sentNonce = UUID.randomUUID().toString();
            try {
                responses.onNext(ConfigResponse.newBuilder().setVersionInfo(view.version()).setNonce(sentNonce)
                        .addAllResources(view.resources()).build());
                metrics.sent(kind);
                LOG.info("{}: sent config version {} ({} resources)", this, view.version(), view.resources().size());
            } catch (RuntimeException e) { // the call was cancelled meanwhile
                LOG.debug("{}: cannot send: {}", this, e.toString());
                closed();
            }
        }

        private void refuse(Status status) {
            done = true;
            responses.onError(status.asRuntimeException());
            closed();
        }

        @Override
        public void onError(Throwable t) {
            LOG.info("{} disconnected: {}", this, Status.fromThrowable(t));
            closed();
        }

        @Override
        public synchronized void onCompleted() {
            if (!done) {
                done = true;
                responses.onCompleted();
            }
            closed();
        }

        synchronized void closed() {
            done = true;
            pending = null;
            if (streams.remove(this)) {
                metrics.connected(kind, -1);
            }
        }

        @Override
        public String toString() {
            return (kind == null ? "proxy" : kind.text()) + " " + identity.namespace() + "/" + identity.serviceAccount()
                    + (node == null || node.getName().isEmpty() ? "" : " (pod " + SpiffeId.printable(node.getName()) + ")");
        }
    }

    /** The requests of a stream refused before it began. */
    private static final class Ignored implements StreamObserver<ConfigRequest> {
        @Override
        public void onNext(ConfigRequest value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
