package dev.tollgate.cli.differential;

import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7, "Proof that check and the proxies agree": generated configurations in the tutorial's shapes
 * ({@link Worlds}), each run for real ({@link LoopbackMesh}: sidecars, mTLS, the egress gateway, loopback stand-ins
 * for the external hosts), and generated requests sent through them; what each client saw must be what
 * {@code tollgate check} says for the same file and request ({@link CheckOracle}).
 *
 * <p>The seed is fixed so CI runs the same worlds every time; a failure shrinks the world and the requests and
 * prints the world as YAML (save it as world.yaml) and each disagreeing request as the check command to run.
 */
class CheckAgreesWithProxiesPropertyTest {
    static final int WORLDS = 30;
    static final int REQUESTS_PER_WORLD = 20;

    private static LoopbackMesh.Shared shared;
    private static final AtomicInteger requests = new AtomicInteger();
    private static final AtomicInteger hostile = new AtomicInteger();
    private static final AtomicInteger mixedPorts = new AtomicInteger();
    private static final Map<Verdict.Kind, AtomicInteger> outcomes = new EnumMap<>(Verdict.Kind.class);
    private static long started;

    @BeforeContainer
    static void startStandIns() throws Exception {
        shared = new LoopbackMesh.Shared();
        for (Verdict.Kind k : Verdict.Kind.values()) {
            outcomes.put(k, new AtomicInteger());
        }
        started = System.nanoTime();
    }

    @AfterContainer
    static void report() throws Exception {
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("differential: %d requests (%d to hostile hosts) in %d worlds (%d with servers of several"
                        + " kinds on one port) in %.1f s; check's outcomes: %s%n", requests.get(), hostile.get(), WORLDS,
                mixedPorts.get(), ms / 1000.0, outcomes);
        shared.close();
        // the property proves little if the worlds never reach a gateway decision: every outcome must have come up
        assertThat(requests.get()).as("requests sent").isGreaterThanOrEqualTo(500);
        assertThat(hostile.get()).as("requests to Pool.HOSTILE hosts").isGreaterThanOrEqualTo(10);
        assertThat(mixedPorts.get()).as("worlds with servers of several kinds on one port").isPositive();
        for (Verdict.Kind k : List.of(Verdict.Kind.REACHED, Verdict.Kind.SIDECAR_REFUSED, Verdict.Kind.GATEWAY_DENIED,
                Verdict.Kind.GATEWAY_NO_ROUTE)) {
            assertThat(outcomes.get(k).get()).as("requests check predicted %s for", k).isPositive();
        }
    }

    @Property(tries = WORLDS, seed = "7007", shrinking = ShrinkingMode.BOUNDED,
            afterFailure = AfterFailureMode.SAMPLE_FIRST)
    void checkAndTheProxiesAgree(@ForAll("worlds") net.jqwik.api.Tuple.Tuple2<World, List<Req>> sample)
            throws Exception {
        World world = sample.get1();
        List<Req> reqs = sample.get2();
        List<String> disagreements = new ArrayList<>();
        if (world.routes().stream().collect(java.util.stream.Collectors.groupingBy(r -> r.kind().http(),
                java.util.stream.Collectors.mapping(World.Route::kind, java.util.stream.Collectors.toSet())))
                .values().stream().anyMatch(kinds -> kinds.size() > 1)) {
            mixedPorts.incrementAndGet();
        }
        try (LoopbackMesh mesh = LoopbackMesh.start(shared, world.yaml())) {
            for (Req r : reqs) {
                if (Pool.HOSTILE.stream().anyMatch(h -> h.equalsIgnoreCase(r.host()))) {
                    hostile.incrementAndGet();
                }
                Verdict expected = CheckOracle.check(mesh.config, r);
                Verdict seen = mesh.send(r);
                requests.incrementAndGet();
                outcomes.get(expected.kind()).incrementAndGet();
                if (!expected.agrees(seen)) {
                    disagreements.add("  " + r + "\n    check:   " + expected.brief() + " -- " + expected.detail()
                            + "\n    proxies: " + seen.brief() + " -- " + seen.detail());
                }
            }
        }
        assertThat(disagreements).as("check and the proxies disagree on %d of %d requests:%n%s",
                disagreements.size(), reqs.size(), String.join("\n", disagreements)).isEmpty();
    }

    /** A world and its requests; jqwik shrinks both, and {@link World#toString()} prints the world as YAML. */
    @Provide
    Arbitrary<net.jqwik.api.Tuple.Tuple2<World, List<Req>>> worlds() {
        return Worlds.worlds().flatMap(w -> Worlds.requestsFor(w, REQUESTS_PER_WORLD)
                .map(r -> net.jqwik.api.Tuple.of(w, r)));
    }
}
