package dev.tollgate.bench;

import dev.tollgate.core.authz.AuthzDecision;
import dev.tollgate.core.registry.ServiceMatch;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.snapshot.OutboundDecision;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One decision at the target size: 10,000 ServiceEntries and 10,000 AuthorizationPolicies across 1,000
 * namespaces, loaded from YAML (see {@link SyntheticMesh} for the shape). Each call takes the next of 1,024
 * precomputed requests ({@link Traffic}).
 *
 * <p>Sidecar ({@link dev.tollgate.core.snapshot.MeshSnapshot#outbound}, the whole sidecar: registry, exportTo,
 * Sidecar scope, outbound policy, route, DestinationRule): {@code sidecarKnown} (a declared host, direct; half
 * TLS, half HTTP, also apart as {@code sidecarKnownTls} and {@code sidecarKnownHttp}),
 * {@code sidecarViaGateway} (the tutorial's route to the egress gateway), {@code sidecarUnknown} (refused by
 * REGISTRY_ONLY), {@code sidecarHidden} (declared with exportTo "." elsewhere: refused), {@code sidecarMixed} (the
 * four in turn), and {@code registryLookup} (the registry index alone: {@code Registry.scopeFor + lookup}).
 *
 * <p>Gateway ({@link dev.tollgate.core.snapshot.MeshSnapshot#gateway}: server match by SNI, authorization as the
 * gateway workload with every policy of the root namespace that applies, route, upstream): {@code gatewayAllowed},
 * {@code gatewayDenied}, {@code gatewayMixed}; and {@code authorizeMixed}, the authorizer alone.
 *
 * <p>{@code gatewayPolicies} is how many of the policies select the egress gateway: with 10,000 policies spread
 * evenly over 1,000 namespaces the root namespace holds about 10; a platform team that writes one per egress host
 * puts 1,000 there.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class DecisionBenchmark {
    @Param({"1000"})
    int namespaces;
    @Param({"10000"})
    int serviceEntries;
    @Param({"10000"})
    int policies;
    @Param({"1000"})
    int gatewayHosts;
    @Param({"10", "1000"})
    int gatewayPolicies;

    private MeshState s;
    private Traffic t;
    private int next;

    @Setup
    public void setUp() {
        s = new MeshState(namespaces, serviceEntries, policies, gatewayHosts, gatewayPolicies);
        t = s.traffic;
    }

    private static OutboundDecision outbound(MeshState s, Traffic.Outbound o) {
        return s.snapshot.outbound(o.from(), o.request());
    }

    @Benchmark
    public OutboundDecision sidecarKnown() {
        return outbound(s, t.knownDirect[next++ & Traffic.MASK]);
    }

    @Benchmark
    public OutboundDecision sidecarKnownTls() {
        return outbound(s, t.knownTls[next++ & Traffic.MASK]);
    }

    @Benchmark
    public OutboundDecision sidecarKnownHttp() {
        return outbound(s, t.knownHttp[next++ & Traffic.MASK]);
    }

    @Benchmark
    public OutboundDecision sidecarViaGateway() {
        return outbound(s, t.viaGateway[next++ & Traffic.MASK]);
    }

    @Benchmark
    public OutboundDecision sidecarUnknown() {
        return outbound(s, t.unknown[next++ & Traffic.MASK]);
    }

    @Benchmark
    public OutboundDecision sidecarHidden() {
        return outbound(s, t.hidden[next++ & Traffic.MASK]);
    }

    @Benchmark
    public OutboundDecision sidecarMixed() {
        return outbound(s, t.mixed[next++ & Traffic.MASK]);
    }

    @Benchmark
    public Optional<ServiceMatch> registryLookup() {
        Traffic.Lookup l = t.lookups[next++ & Traffic.MASK];
        return s.registry.scopeFor(l.from()).lookup(l.host(), l.port());
    }

    @Benchmark
    public GatewayDecision gatewayAllowed() {
        return s.snapshot.gateway(SyntheticMesh.GATEWAY, t.gatewayAllowed[next++ & Traffic.MASK].request());
    }

    @Benchmark
    public GatewayDecision gatewayDenied() {
        return s.snapshot.gateway(SyntheticMesh.GATEWAY, t.gatewayDenied[next++ & Traffic.MASK].request());
    }

    @Benchmark
    public GatewayDecision gatewayMixed() {
        return s.snapshot.gateway(SyntheticMesh.GATEWAY, t.gatewayMixed[next++ & Traffic.MASK].request());
    }

    @Benchmark
    public AuthzDecision authorizeMixed() {
        return s.authorizer.authorize(SyntheticMesh.GATEWAY, t.gatewayMixed[next++ & Traffic.MASK].authz());
    }
}
