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
 * The proof that decisions come from indexes: the same kinds of request against meshes of 1,000, 10,000 and 100,000
 * ServiceEntries and as many AuthorizationPolicies (1,000 namespaces), while what a request can touch stays the same
 * ({@code gatewayHosts} routed hosts, {@code gatewayPolicies} policies on the gateway). A scan would cost 10x and
 * 100x more; an index costs about the same (a little more from cache misses in bigger maps).
 *
 * <p>The other axis is what a request can touch: {@code -p size=10000 -p gatewayHosts=10,100,1000} (hosts routed
 * through the gateway, each with its Gateway, VirtualService and DestinationRule) and
 * {@code -p size=10000 -p gatewayPolicies=10,100,1000} (policies that apply to the gateway). A decision that costs
 * the same along the first axis but grows along these is indexed by namespace and host but scans within them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
public class ScalingBenchmark {
    @Param({"1000", "10000", "100000"})
    int size;
    @Param({"1000"})
    int namespaces;
    @Param({"100"})
    int gatewayHosts;
    @Param({"100"})
    int gatewayPolicies;

    private MeshState s;
    private Traffic t;
    private int next;

    @Setup
    public void setUp() {
        s = new MeshState(namespaces, size, size, gatewayHosts, gatewayPolicies);
        t = s.traffic;
    }

    @Benchmark
    public OutboundDecision sidecarMixed() {
        Traffic.Outbound o = t.mixed[next++ & Traffic.MASK];
        return s.snapshot.outbound(o.from(), o.request());
    }

    @Benchmark
    public OutboundDecision sidecarKnown() {
        Traffic.Outbound o = t.knownDirect[next++ & Traffic.MASK];
        return s.snapshot.outbound(o.from(), o.request());
    }

    @Benchmark
    public OutboundDecision sidecarUnknown() {
        Traffic.Outbound o = t.unknown[next++ & Traffic.MASK];
        return s.snapshot.outbound(o.from(), o.request());
    }

    @Benchmark
    public OutboundDecision sidecarHidden() {
        Traffic.Outbound o = t.hidden[next++ & Traffic.MASK];
        return s.snapshot.outbound(o.from(), o.request());
    }

    @Benchmark
    public OutboundDecision sidecarViaGateway() {
        Traffic.Outbound o = t.viaGateway[next++ & Traffic.MASK];
        return s.snapshot.outbound(o.from(), o.request());
    }

    @Benchmark
    public Optional<ServiceMatch> registryLookup() {
        Traffic.Lookup l = t.lookups[next++ & Traffic.MASK];
        return s.registry.scopeFor(l.from()).lookup(l.host(), l.port());
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
