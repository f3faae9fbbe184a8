package dev.tollgate.control.push;

import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.api.config.v1.ConfigResponse;
import dev.tollgate.api.config.v1.ConfigServiceGrpc;
import dev.tollgate.api.config.v1.Node;
import dev.tollgate.control.ControlServer;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.SpiffeId;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import javax.net.ssl.KeyManagerFactory;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link ControlServer} with the {@link ConfigPushService} on loopback with real TLS, and raw gRPC streams to it
 * that present a workload certificate of the test's choosing (or none).
 */
final class PushKit implements AutoCloseable {
    static final String SERVICE_NAME = "tollgate-control.tollgate-system.svc";

    final MeshCa ca = MeshCa.generate("cluster.local");
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ConfigPushService service;
    final ControlServer server;
    private final List<ManagedChannel> channels = new ArrayList<>();

    PushKit(Supplier<Optional<dev.tollgate.control.watch.WatchedSnapshot>> current) {
        service = new ConfigPushService(current, meters);
        server = ControlServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ca,
                List.of(SERVICE_NAME), List.of(service.authenticated()));
    }

    /** A channel whose client certificate is the workload certificate of {@code ns/sa} from {@code issuer}. */
    ManagedChannel channel(MeshCa issuer, String ns, String sa) throws Exception {
        KeyPair key = MeshCa.newWorkloadKeyPair();
        List<X509Certificate> chain = issuer.signWorkload(new SpiffeId(issuer.trustDomain(), ns, sa), key.getPublic(),
                Duration.ofHours(1));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("workload", key.getPrivate(), new char[0], chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        return open(trusting().keyManager(kmf.getKeyManagers()).build());
    }

    ManagedChannel channel(String ns, String sa) throws Exception {
        return channel(ca, ns, sa);
    }

    /** A channel that presents no client certificate, as a proxy before its first one. */
    ManagedChannel anonymous() {
        return open(trusting().build());
    }

    private TlsChannelCredentials.Builder trusting() {
        try {
            return TlsChannelCredentials.newBuilder().trustManager(new ByteArrayInputStream(
                    PemFiles.toPem(List.of(ca.rootCertificate())).getBytes(StandardCharsets.US_ASCII)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private ManagedChannel open(ChannelCredentials credentials) {
        ManagedChannel c = Grpc.newChannelBuilder("127.0.0.1:" + server.port(), credentials)
                .overrideAuthority(SERVICE_NAME).build();
        channels.add(c);
        return c;
    }

    static Node node(Node.Kind kind, String ns, String sa, Map<String, String> labels) {
        return Node.newBuilder().setKind(kind).setNamespace(ns).setServiceAccount(sa).putAllLabels(labels)
                .setName(sa + "-pod").build();
    }

    static Node sidecar(String ns, String sa) {
        return node(Node.Kind.SIDECAR, ns, sa, Map.of("app", sa));
    }

    /** One raw StreamConfig call: what it received, and how it ended. */
    static final class Stream implements StreamObserver<ConfigResponse> {
        final BlockingQueue<ConfigResponse> responses = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        final StreamObserver<ConfigRequest> requests;

        Stream(ManagedChannel channel) {
            requests = ConfigServiceGrpc.newStub(channel).streamConfig(this);
        }

        Stream send(ConfigRequest r) {
            requests.onNext(r);
            return this;
        }

        Stream first(Node node) {
            return send(ConfigRequest.newBuilder().setNode(node).build());
        }

        ConfigResponse next() throws InterruptedException {
            ConfigResponse r = responses.poll(15, TimeUnit.SECONDS);
            assertThat(r).as("a response (stream ended: %s)", closed.getNow(null)).isNotNull();
            return r;
        }

        /** Nothing more arrives within {@code millis}. */
        void quiet(long millis) throws InterruptedException {
            assertThat(responses.poll(millis, TimeUnit.MILLISECONDS)).as("no further response").isNull();
        }

        void ack(ConfigResponse r) {
            send(ConfigRequest.newBuilder().setVersionInfo(r.getVersionInfo()).setResponseNonce(r.getNonce()).build());
        }

        void nack(ConfigResponse r, String enforced, String error) {
            send(ConfigRequest.newBuilder().setVersionInfo(enforced).setResponseNonce(r.getNonce())
                    .setErrorDetail(error).build());
        }

        Status status() throws Exception {
            return closed.get(15, TimeUnit.SECONDS);
        }

        @Override
        public void onNext(ConfigResponse value) {
            responses.add(value);
        }

        @Override
        public void onError(Throwable t) {
            closed.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            closed.complete(Status.OK);
        }
    }

    double pushes(String result) {
        Counter c = meters.find("tollgate.config.push").tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    double connected(String kind) {
        Gauge g = meters.find("tollgate.config.proxies").tag("kind", kind).gauge();
        return g == null ? 0 : g.value();
    }

    /** Polls {@code condition} for up to ten seconds. */
    static void eventually(Supplier<Boolean> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        server.close();
    }
}
