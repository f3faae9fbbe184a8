package dev.tollgate.agent;

import dev.tollgate.api.config.v1.ConfigRequest;
import dev.tollgate.api.config.v1.Node;
import dev.tollgate.config.ConfigStatus;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.snapshot.MeshSnapshot;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static dev.tollgate.agent.PushFixture.misspelled;
import static dev.tollgate.agent.PushFixture.registryOnly;
import static dev.tollgate.agent.PushFixture.resource;
import static dev.tollgate.agent.PushFixture.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The proxy's side of the config push against a stand-in ConfigService on loopback, over real mutual TLS: versions
 * applied and acknowledged, bad ones rejected with the loader's error while the last good one stays, the stream lost
 * and found again with jittered, capped backoff, a server with the wrong name refused, and hostile messages survived.
 */
class ConfigClientTest {
    static final Backoff.Policy FAST = new Backoff.Policy(Duration.ofMillis(100), Duration.ofMillis(400));
    final PushFixture pki = new PushFixture();
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    @Test
    void theFirstVersionIsAppliedThenAcknowledgedAndAnUpdateReplacesIt() throws Exception {
        FakeConfigServer server = keep(pki.server(0));
        ConfigClient client = keep(pki.client(server.port(), PushFixture.SERVER_NAME, FAST, 1 << 20));
        List<MeshSnapshot> seen = new CopyOnWriteArrayList<>();
        client.addListener(seen::add);
        client.start();

        FakeConfigServer.Received hello = server.next();
        assertThat(hello.request().getNode()).isEqualTo(PushFixture.SLEEP);
        assertThat(hello.request().getVersionInfo()).as("nothing yet").isEmpty();
        assertThat(hello.request().getResponseNonce()).isEmpty();
        assertThat(server.clientIds).as("the proxy authenticates with its workload certificate")
                .containsExactly("spiffe://cluster.local/ns/default/sa/sleep");
        assertThatThrownBy(client::current).as("fail closed: no configuration, no snapshot")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no configuration");
        assertThat(client.status().loadedAt()).isEmpty();

        server.push(server.response("v1", List.of(serviceEntry("a", "a.example"))));
        ConfigRequest ack = server.next().request();
        assertThat(ack.getResponseNonce()).isEqualTo("n1");
        assertThat(ack.getVersionInfo()).isEqualTo("v1");
        assertThat(ack.getErrorDetail()).isEmpty();
        assertThat(names(client.current())).containsExactly("a");
        ConfigStatus s = client.status();
        assertThat(s.version()).hasValue("v1");
        assertThat(s.feed()).hasValueSatisfying(f -> {
            assertThat(f.connected()).isTrue();
            assertThat(f.controlPlane()).isEqualTo("127.0.0.1:" + server.port());
        });
        assertThat(s.ageSeconds(Instant.now())).isZero();

        server.push(server.response("v2", List.of(serviceEntry("a", "a.example"), serviceEntry("b", "b.example"))));
        ack = server.next().request();
        assertThat(ack.getResponseNonce()).isEqualTo("n2");
        assertThat(ack.getVersionInfo()).isEqualTo("v2");
        assertThat(names(client.current())).containsExactlyInAnyOrder("a", "b");
        assertThat(seen).hasSize(2);
        assertThat(client.reloads()).isEqualTo(2);
        assertThat(client.reloadFailures()).isZero();
    }

    @Test
    void aVersionThatCannotLoadIsRejectedWithTheLoadersErrorAndTheLastGoodOneStays() throws Exception {
        FakeConfigServer server = keep(pki.server(0));
        ConfigClient client = keep(pki.client(server.port(), PushFixture.SERVER_NAME, FAST, 1 << 20)).start();
        server.next();
        server.push(server.response("v1", List.of(serviceEntry("a", "a.example"), registryOnly())));
        assertThat(server.next().request().getVersionInfo()).isEqualTo("v1");
        MeshSnapshot good = client.current();

        server.push(server.response("v2", List.of(serviceEntry("a", "a.example"), misspelled())));
        ConfigRequest nack = server.next().request();
        assertThat(nack.getVersionInfo()).as("the version still enforced").isEqualTo("v1");
        assertThat(nack.getErrorDetail()).startsWith("Error [unknown-field] (ServiceEntry default/typo ")
                .contains("cluster:ServiceEntry/default/typo").contains("\"host\"");
        assertThat(client.current()).isSameAs(good);
        ConfigStatus stale = client.status();
        assertThat(stale.version()).hasValue("v1");
        assertThat(stale.failingSince()).isPresent();
        assertThat(stale.firstError()).hasValueSatisfying(e -> assertThat(e).startsWith("version v2 rejected: Error [unknown-field]"));
        Thread.sleep(1100);
        assertThat(client.status().ageSeconds(Instant.now())).as("stale since the rejection").isGreaterThanOrEqualTo(1);

        // hostile resources: not JSON, JSON that is no object, nesting deeper than any parser should follow
        for (var bad : List.of(resource("x", "{not json"), resource("y", "[1, 2]"),
                resource("z", "[".repeat(100_000) + "]".repeat(100_000)))) {
            server.push(server.response("bad-" + bad.getSource(), List.of(bad)));
            ConfigRequest n = server.next().request();
            assertThat(n.getVersionInfo()).isEqualTo("v1");
            assertThat(n.getErrorDetail()).startsWith(bad.getSource() + ": not a JSON object: ");
        }
        assertThat(client.current()).isSameAs(good);
        assertThat(client.reloadFailures()).isEqualTo(4);

        server.push(server.response("v3", List.of(serviceEntry("b", "b.example"))));
        ConfigRequest ack = server.next().request();
        assertThat(ack.getVersionInfo()).isEqualTo("v3");
        assertThat(ack.getErrorDetail()).isEmpty();
        assertThat(names(client.current())).containsExactly("b");
        assertThat(client.status().lastReloadOk()).isTrue();
        assertThat(client.status().firstError()).isEmpty();
    }

    @Test
    void whenTheServerDiesTheProxyKeepsItsConfigurationBacksOffWithJitterAndAcknowledgesWhenItReturns() throws Exception {
        FakeConfigServer server = pki.server(0);
        int port = server.port();
        ConfigClient client = keep(pki.client(port, PushFixture.SERVER_NAME, FAST, 1 << 20));
        List<Duration> waits = new CopyOnWriteArrayList<>();
        List<Long> failedAt = new CopyOnWriteArrayList<>();
        client.addReconnectListener(w -> {
            failedAt.add(System.nanoTime());
            waits.add(w);
        });
        client.start();
        server.next();
        server.push(server.response("v1", List.of(serviceEntry("a", "a.example"))));
        assertThat(server.next().request().getVersionInfo()).isEqualTo("v1");
        MeshSnapshot good = client.current();
        long reloads = client.reloads();

        server.close();
        await(() -> waits.size() >= 8);
        assertThat(client.current()).as("the last good configuration is still enforced").isSameAs(good);
        ConfigStatus down = client.status();
        assertThat(down.feed().orElseThrow().connected()).isFalse();
        assertThat(down.firstError()).hasValueSatisfying(e -> assertThat(e).contains("unreachable"));
        double age = down.ageSeconds(Instant.now());
        Thread.sleep(300);
        assertThat(client.status().ageSeconds(Instant.now())).as("the age grows").isGreaterThan(age);

        List<Duration> w = List.copyOf(waits);
        long[] ceilings = {100, 200, 400, 400, 400, 400, 400, 400};
        for (int i = 0; i < ceilings.length; i++) {
            assertThat(w.get(i).toMillis()).as("wait %d: full jitter under its capped ceiling", i)
                    .isBetween(0L, ceilings[i]);
        }
        assertThat(w.stream().distinct().count()).as("jittered, not a fixed schedule").isGreaterThan(3);
        List<Long> at = List.copyOf(failedAt);
        for (int i = 1; i < 8; i++) {
            assertThat(at.get(i) - at.get(i - 1)).as("attempt %d waited its turn", i)
                    .isGreaterThanOrEqualTo(w.get(i - 1).toNanos());
        }

        FakeConfigServer again = keep(pki.server(port));
        again.onOpen = call -> FakeConfigServer.send(call, again.response("v1",
                List.of(serviceEntry("a", "a.example"))).toByteArray());
        FakeConfigServer.Received hello = again.next();
        assertThat(hello.request().getVersionInfo()).as("a reconnecting proxy says what it enforces").isEqualTo("v1");
        ConfigRequest ack = again.next().request();
        assertThat(ack.getVersionInfo()).isEqualTo("v1");
        assertThat(ack.getErrorDetail()).isEmpty();
        assertThat(client.reloads()).as("the same version is not compiled again").isEqualTo(reloads);
        ConfigStatus up = client.status();
        assertThat(up.feed().orElseThrow().connected()).isTrue();
        assertThat(up.ageSeconds(Instant.now())).isZero();
        assertThat(up.firstError()).isEmpty();
    }

    @Test
    void aServerWithoutTheExpectedNameOrFromAnotherCaIsRefused() throws Exception {
        FakeConfigServer server = keep(pki.server(0));
        ConfigClient wrongName = keep(pki.client(server.port(), "tollgate-control.elsewhere.svc", FAST, 1 << 20));
        List<Duration> waits = new CopyOnWriteArrayList<>();
        wrongName.addReconnectListener(waits::add);
        wrongName.start();

        PushFixture other = new PushFixture();
        FakeConfigServer impostor = keep(other.server(0));
        ConfigClient trusting = keep(pki.client(impostor.port(), PushFixture.SERVER_NAME, FAST, 1 << 20));
        List<Duration> waits2 = new CopyOnWriteArrayList<>();
        trusting.addReconnectListener(waits2::add);
        trusting.start();

        await(() -> waits.size() >= 3 && waits2.size() >= 3);
        assertThat(server.streamStarts).as("no stream past the TLS handshake").isEmpty();
        assertThat(impostor.streamStarts).isEmpty();
        assertThat(wrongName.status().firstError()).hasValueSatisfying(e -> assertThat(e).contains("UNAVAILABLE")
                .contains("No subject alternative DNS name matching tollgate-control.elsewhere.svc"));
        // the other CA has the same subject as ours: the chain breaks at the signature
        assertThat(trusting.status().firstError()).hasValueSatisfying(e -> assertThat(e)
                .contains("UNAVAILABLE: io exception (Signature does not match.)"));
        assertThatThrownBy(wrongName::current).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(trusting::current).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void garbageAndOversizedMessagesEndTheStreamNotTheProxy() throws Exception {
        FakeConfigServer server = keep(pki.server(0));
        ConfigClient client = keep(pki.client(server.port(), PushFixture.SERVER_NAME, FAST, 64 << 10));
        List<Duration> waits = new CopyOnWriteArrayList<>();
        client.addReconnectListener(waits::add);
        client.start();
        server.next();
        server.push(server.response("v1", List.of(serviceEntry("a", "a.example"))));
        assertThat(server.next().request().getVersionInfo()).isEqualTo("v1");
        MeshSnapshot good = client.current();

        byte[] garbage = new byte[4096];
        new java.util.Random(9).nextBytes(garbage);
        server.pushRaw(garbage);
        await(() -> waits.size() >= 1);
        assertThat(client.current()).isSameAs(good);
        assertThat(client.status().firstError()).hasValueSatisfying(e -> assertThat(e).contains("Failed to read message"));

        FakeConfigServer.Received hello = server.next();
        assertThat(hello.stream()).as("the proxy opened a new stream").isEqualTo(2);
        assertThat(hello.request().getVersionInfo()).isEqualTo("v1");
        server.push(server.response("huge", List.of(resource("big", "{\"pad\": \"" + "x".repeat(100 << 10) + "\"}"))));
        await(() -> waits.size() >= 2);
        assertThat(client.status().firstError()).hasValueSatisfying(e -> assertThat(e).contains("RESOURCE_EXHAUSTED"));
        assertThat(client.current()).isSameAs(good);
        assertThat(server.next().stream()).isEqualTo(3);
        assertThat(client.reloadFailures()).as("nothing was compiled from either").isZero();
    }

    @Test
    void aGatewayNodeAndAnEndedStreamAreReportedAsSuch() throws Exception {
        FakeConfigServer server = keep(pki.server(0));
        Node gateway = Node.newBuilder().setKind(Node.Kind.GATEWAY).setNamespace("istio-system")
                .setServiceAccount("istio-egressgateway-service-account").build();
        ConfigClient client = keep(new ConfigClient(new ConfigClient.Connection("127.0.0.1:" + server.port(),
                PushFixture.SERVER_NAME, () -> List.of(pki.ca.rootCertificate()), () -> pki.workload, gateway, FAST,
                1 << 20), dev.tollgate.config.LoadOptions.DEFAULTS,
                dev.tollgate.core.snapshot.SnapshotCompiler::compile, java.time.Clock.systemUTC())).start();
        assertThat(server.next().request().getNode().getKind()).isEqualTo(Node.Kind.GATEWAY);
        server.push(server.response("v1", List.of()));
        assertThat(server.next().request().getVersionInfo()).as("an empty view is a configuration").isEqualTo("v1");
        server.endStreams(Status.UNAVAILABLE.withDescription("informers not synced"));
        await(() -> !client.status().feed().orElseThrow().connected());
        assertThat(client.status().firstError()).hasValueSatisfying(e ->
                assertThat(e).contains("UNAVAILABLE: informers not synced"));
        assertThat(server.next().stream()).isEqualTo(2);
    }

    @Test
    void aRenewedCertificateIsPresentedByTheNextConnection() throws Exception {
        FakeConfigServer server = keep(pki.server(0));
        java.util.concurrent.atomic.AtomicReference<dev.tollgate.identity.IssuedCertificate> held =
                new java.util.concurrent.atomic.AtomicReference<>(pki.workload);
        ConfigClient client = keep(new ConfigClient(new ConfigClient.Connection("127.0.0.1:" + server.port(),
                PushFixture.SERVER_NAME, () -> List.of(pki.ca.rootCertificate()), held::get, PushFixture.SLEEP, FAST,
                1 << 20), dev.tollgate.config.LoadOptions.DEFAULTS,
                dev.tollgate.core.snapshot.SnapshotCompiler::compile, java.time.Clock.systemUTC())).start();
        server.next();
        dev.tollgate.identity.IssuedCertificate renewed = pki.ca.issueWorkload("default", "sleep", Duration.ofHours(2));
        held.set(renewed);
        server.push(server.response("v1", List.of()));
        assertThat(server.next().request().getVersionInfo()).as("the open stream goes on").isEqualTo("v1");
        server.endStreams(Status.UNAVAILABLE);
        assertThat(server.next().stream()).isEqualTo(2);
        assertThat(server.peerSerials).as("the first stream presented the first certificate, the next the renewed one")
                .containsExactly(pki.workload.certificate().getSerialNumber(), renewed.certificate().getSerialNumber());
    }

    static List<String> names(MeshSnapshot s) {
        return s.config().serviceEntries().stream().map(Resource::name).toList();
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not met within 15 s");
            }
            Thread.sleep(20);
        }
    }
}
