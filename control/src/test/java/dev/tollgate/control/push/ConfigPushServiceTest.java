package dev.tollgate.control.push;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.api.config.v1.ConfigResponse;
import dev.tollgate.api.config.v1.Node;
import dev.tollgate.api.config.v1.Resource;
import dev.tollgate.control.watch.WatchedSnapshot;
import dev.tollgate.identity.MeshCa;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static dev.tollgate.control.push.PushKit.eventually;
import static dev.tollgate.control.push.PushKit.sidecar;
import static dev.tollgate.control.push.Snapshots.MESH;
import static dev.tollgate.control.push.Snapshots.privateEntry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ConfigService over real TLS on loopback, driven by a raw gRPC stub: views, versions, ACK/NACK, and the
 * refusals of callers that prove no identity, claim another, or say nothing usable.
 */
class ConfigPushServiceTest {
    static final String WORLD = MESH + privateEntry("default", "mine", "mine.default.example.org")
            + privateEntry("otherns", "theirs", "theirs.otherns.example.org");

    final AtomicReference<WatchedSnapshot> current = new AtomicReference<>();
    PushKit kit;

    @BeforeEach
    void start() {
        kit = new PushKit(() -> Optional.ofNullable(current.get()));
    }

    @AfterEach
    void stop() throws Exception {
        kit.close();
    }

    static List<String> sources(ConfigResponse r) {
        return r.getResourcesList().stream().map(Resource::getSource).toList();
    }

    @Test
    void aSidecarGetsWhatItsNamespaceMaySeeAndItsAckIsCounted() throws Exception {
        current.set(Snapshots.of(1, WORLD));
        PushKit.Stream s = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep"));
        ConfigResponse r = s.next();
        assertThat(sources(r)).containsExactly("cluster:ConfigMap/istio-system/istio",
                "cluster:ServiceEntry/default/mine", "cluster:ServiceEntry/istio-system/google");
        assertThat(r.getVersionInfo()).isNotEmpty();
        assertThat(r.getNonce()).isNotEmpty();
        assertThat(r.getResources(1).getJson()).contains("mine.default.example.org").doesNotContain("status");
        assertThat(r.getResources(1).getResourceVersion()).isEqualTo("1");
        eventually(() -> kit.connected("sidecar") == 1, "one sidecar connected");

        s.ack(r);
        eventually(() -> kit.pushes("ack") == 1, "the ack counted");
        assertThat(kit.pushes("nack")).isZero();

        s.requests.onCompleted();
        assertThat(s.status().isOk()).isTrue();
        eventually(() -> kit.connected("sidecar") == 0, "the sidecar gone");
    }

    @Test
    void theGatewayGetsItsServersPoliciesAndNotOtherNamespacesPrivateEntries() throws Exception {
        current.set(Snapshots.of(1, WORLD));
        PushKit.Stream s = new PushKit.Stream(kit.channel("istio-system", "istio-egressgateway-service-account"))
                .first(PushKit.node(Node.Kind.GATEWAY, "istio-system", "istio-egressgateway-service-account",
                        Map.of("istio", "egressgateway", "app", "istio-egressgateway")));
        assertThat(sources(s.next())).containsExactly("cluster:AuthorizationPolicy/istio-system/allow-nothing",
                "cluster:ConfigMap/istio-system/istio", "cluster:ServiceEntry/istio-system/google");
        eventually(() -> kit.connected("gateway") == 1, "one gateway connected");
    }

    @Test
    void replicasThatSeeTheSameObjectsSendTheSameVersion() throws Exception {
        current.set(Snapshots.of(7, WORLD));
        ConfigResponse a = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep")).next();
        current.set(Snapshots.of(1, WORLD)); // another replica counts its snapshots on its own
        ConfigResponse b = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep")).next();
        assertThat(b.getVersionInfo()).isEqualTo(a.getVersionInfo());
        assertThat(b.getNonce()).isNotEqualTo(a.getNonce());
        // otherns sees other resources, so another version
        ConfigResponse c = new PushKit.Stream(kit.channel("otherns", "sleep")).first(sidecar("otherns", "sleep")).next();
        assertThat(c.getVersionInfo()).isNotEqualTo(a.getVersionInfo());
    }

    @Test
    void aProxyIsPushedOnlyWhenItsOwnViewChanges() throws Exception {
        current.set(Snapshots.of(1, WORLD));
        PushKit.Stream s = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep"));
        ConfigResponse first = s.next();
        s.ack(first);

        // another namespace's private entry changes: nothing for default
        WatchedSnapshot second = Snapshots.of(2, WORLD + privateEntry("otherns", "more", "more.otherns.example.org"));
        current.set(second);
        kit.service.accept(second);
        s.quiet(500);

        // one default sees: a new version, with it
        WatchedSnapshot third = Snapshots.of(3, WORLD + privateEntry("default", "new", "new.default.example.org"));
        current.set(third);
        kit.service.accept(third);
        ConfigResponse pushed = s.next();
        assertThat(pushed.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
        assertThat(pushed.getNonce()).isNotEqualTo(first.getNonce());
        assertThat(sources(pushed)).contains("cluster:ServiceEntry/default/new")
                .doesNotContain("cluster:ServiceEntry/otherns/more");

        // an older snapshot delivered late is not sent
        kit.service.accept(second);
        s.quiet(300);
    }

    @Test
    void aNackIsCountedAndLoggedWithTheProxysIdentity() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ConfigPushService.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            current.set(Snapshots.of(1, WORLD));
            PushKit.Stream s = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep"));
            ConfigResponse r = s.next();
            s.ack(r);
            // the server ignores an answer to a nonce it has since replaced (as xDS does): pushing the next version
            // before the ack has arrived would make this ack stale
            eventually(() -> kit.pushes("ack") == 1, "the ack counted");
            WatchedSnapshot next = Snapshots.of(2, WORLD + privateEntry("default", "new", "new.default.example.org"));
            current.set(next);
            kit.service.accept(next);
            ConfigResponse bad = s.next();
            s.nack(bad, r.getVersionInfo(), "cluster:ServiceEntry/default/new: cannot compile");
            eventually(() -> kit.pushes("nack") == 1, "the nack counted");
            assertThat(kit.pushes("ack")).isEqualTo(1);
            eventually(() -> log.list.stream().anyMatch(e -> e.getFormattedMessage().contains("REJECTED")),
                    "the nack logged");
            String line = log.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("REJECTED")).findFirst().orElseThrow();
            assertThat(line).contains("sidecar default/sleep", "sleep-pod", bad.getVersionInfo(), r.getVersionInfo(),
                    "cannot compile");

            // an answer to an older nonce counts for nothing
            s.nack(r, r.getVersionInfo(), "late");
            s.ack(r);
            Thread.sleep(300);
            assertThat(kit.pushes("nack")).isEqualTo(1);
            assertThat(kit.pushes("ack")).isEqualTo(1);
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void withoutAClientCertificateTheCallIsUnauthenticated() throws Exception {
        current.set(Snapshots.of(1, WORLD));
        PushKit.Stream s = new PushKit.Stream(kit.anonymous()).first(sidecar("default", "sleep"));
        assertThat(s.status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(s.responses).isEmpty();
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        current.set(Snapshots.of(1, WORLD));
        MeshCa stranger = MeshCa.generate("cluster.local");
        PushKit.Stream s = new PushKit.Stream(kit.channel(stranger, "default", "sleep")).first(sidecar("default", "sleep"));
        assertThat(s.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(s.responses).isEmpty();
    }

    @Test
    void aProxyClaimingAnotherNamespaceOrServiceAccountIsDenied() throws Exception {
        current.set(Snapshots.of(1, WORLD));
        PushKit.Stream ns = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("otherns", "sleep"));
        assertThat(ns.status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(ns.status().getDescription()).contains("spiffe://cluster.local/ns/default/sa/sleep");
        PushKit.Stream sa = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "admin"));
        assertThat(sa.status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(ns.responses).isEmpty();
        assertThat(sa.responses).isEmpty();
        assertThat(kit.connected("sidecar")).isZero();
    }

    @Test
    void malformedRequestsAreRefused() throws Exception {
        current.set(Snapshots.of(1, WORLD));
        List<ConfigRequest> bad = List.of(
                ConfigRequest.getDefaultInstance(),
                ConfigRequest.newBuilder().setNode(sidecar("default", "sleep").toBuilder()
                        .setKind(Node.Kind.KIND_UNSPECIFIED)).build(),
                ConfigRequest.newBuilder().setNode(sidecar("default", "sleep")).setResponseNonce("forged").build(),
                ConfigRequest.newBuilder().setNode(sidecar("default", "sleep").toBuilder().setKindValue(42)).build());
        for (ConfigRequest r : bad) {
            PushKit.Stream s = new PushKit.Stream(kit.channel("default", "sleep")).send(r);
            assertThat(s.status().getCode()).as("%s", r).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(s.responses).isEmpty();
        }
        // a node that changes within the stream
        PushKit.Stream s = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep"));
        ConfigResponse r = s.next();
        s.send(ConfigRequest.newBuilder().setNode(PushKit.node(Node.Kind.GATEWAY, "default", "sleep", Map.of()))
                .setResponseNonce(r.getNonce()).build());
        assertThat(s.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        eventually(() -> kit.connected("sidecar") == 0, "the refused stream gone");
    }

    @Test
    void beforeTheWatchHasSyncedTheServiceIsUnavailable() throws Exception {
        PushKit.Stream s = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep"));
        assertThat(s.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(s.status().getDescription()).contains("not synced");
        assertThat(s.responses).isEmpty();
    }

    @Test
    void theCaServiceOnTheSamePortStillServesClientsWithoutCertificates() throws Exception {
        // the server asks for a client certificate without requiring one: an anonymous TLS handshake succeeds and
        // the ConfigService itself refuses (UNAUTHENTICATED), rather than the handshake failing (UNAVAILABLE)
        current.set(Snapshots.of(1, WORLD));
        PushKit.Stream s = new PushKit.Stream(kit.anonymous()).first(sidecar("default", "sleep"));
        assertThat(s.status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(s.status().getDescription()).contains("client certificate");
    }
}
