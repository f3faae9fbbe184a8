package dev.tollgate.proxy;

import dev.tollgate.core.snapshot.MeshSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Snapshot swaps under load lose no request; the next request sees the new snapshot; drain finishes open work. */
class ReloadAndDrainTest {
    static Rig rig;
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        rig.startGateway();
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP);
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
    }

    @Test
    void swappingSnapshotsUnderLoadLosesNoRequest() throws Exception {
        MeshSnapshot a = Rig.tutorial();
        MeshSnapshot b = Rig.tutorial();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger swaps = new AtomicInteger();
        Thread swapper = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                rig.snapshot.set(swaps.incrementAndGet() % 2 == 0 ? a : b);
                Thread.onSpinWait();
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> results = new ArrayList<>();
        try (HttpClient client = rig.client(sidecar)) {
            for (int i = 0; i < 240; i++) {
                String url = i % 3 == 0 ? "http://developers.google.com/load" + i : "http://plain.example/load" + i;
                results.add(pool.submit(() -> Rig.get(client, url).statusCode()));
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> f : results) {
                codes.add(f.get());
            }
            assertThat(codes).hasSize(240).containsOnly(200);
        } finally {
            running.set(false);
            swapper.join();
            pool.shutdownNow();
        }
        assertThat(swaps.get()).isGreaterThan(10);
        rig.snapshot.set(Rig.tutorial());
    }

    @Test
    void theNextRequestSeesTheNewSnapshot() throws Exception {
        FakeSnapshot before = (FakeSnapshot) rig.snapshot.get();
        try (HttpClient client = rig.client(sidecar)) {
            assertThat(Rig.get(client, "http://plain.example/before").statusCode()).isEqualTo(200);
            rig.snapshot.set(new FakeSnapshot((w, r) -> new dev.tollgate.core.snapshot.OutboundDecision.Refused(
                    "REGISTRY_ONLY now", List.of()), before.listeners, before.gateway));
            HttpResponse<String> after = Rig.get(client, "http://plain.example/after");
            assertThat(after.statusCode()).isEqualTo(502);
            assertThat(after.body()).isEqualTo("REGISTRY_ONLY now\n");
        } finally {
            rig.snapshot.set(before);
        }
    }

    @Test
    void drainLetsAnOpenRequestFinishAndStopsAccepting() throws Exception {
        Sidecar own = rig.startSidecar(Rig.OTHERNS_SLEEP);
        try (HttpClient client = rig.client(own)) {
            CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://plain.example/slow")).build(),
                    HttpResponse.BodyHandlers.ofString());
            rig.awaitUpstream("/slow");
            boolean drained = own.drain(Duration.ofSeconds(20));
            assertThat(slow.get().statusCode()).isEqualTo(200);
            assertThat(drained).isTrue();
            assertThat(own.ready()).isFalse();
            assertThatThrownBy(() -> new Socket(own.address().getAddress(), own.address().getPort()).close())
                    .isInstanceOf(ConnectException.class);
        }
    }
}
