package dev.tollgate.bench;

import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.authz.AuthzDecision;
import dev.tollgate.core.authz.AuthzRequest;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
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

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One sidecar registry decision and one gateway authorization decision on a mesh of 10,000 ServiceEntries and
 * 10,000 AuthorizationPolicies across 1,000 namespaces. Requests cycle through precomputed hosts and peers so that
 * no single answer is cached by the CPU's branch predictor alone.
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

    private MeshSnapshot snapshot;
    private Authorizer authorizer;
    private WorkloadRef[] clients;
    private OutboundRequest[] requests;
    private AuthzRequest[] authzRequests;
    private WorkloadRef gateway;
    private int next;

    @Setup
    public void setUp() {
        SyntheticMesh mesh = new SyntheticMesh(namespaces, serviceEntries, policies);
        snapshot = SnapshotCompiler.compile(mesh.config);
        authorizer = Authorizer.compile(mesh.config);
        gateway = new WorkloadRef("istio-system", "istio-egressgateway-service-account",
                Map.of("istio", "egressgateway", "app", "istio-egressgateway"));
        int n = 1024;
        clients = new WorkloadRef[n];
        requests = new OutboundRequest[n];
        authzRequests = new AuthzRequest[n];
        for (int i = 0; i < n; i++) {
            String ns = mesh.namespaces.get((i * 31 + 1) % mesh.namespaces.size());
            clients[i] = new WorkloadRef(ns, "sleep", Map.of("app", "app-1"));
            // half the hosts exist, half do not: both paths of REGISTRY_ONLY are measured
            String host = i % 2 == 0 ? mesh.hosts.get((i * 7919) % mesh.hosts.size()) : "unknown-" + i + ".example.org";
            requests[i] = OutboundRequest.tls(host, 443);
            authzRequests[i] = new AuthzRequest(Optional.of("cluster.local/ns/" + ns + "/sa/sleep"), Optional.of(ns),
                    "10.0.0.1", "10.0.0.1", "10.0.0.2", 443,
                    Optional.of(mesh.hosts.get((i * 104729) % mesh.hosts.size())), Optional.empty());
        }
    }

    @Benchmark
    public OutboundDecision sidecarRegistryDecision() {
        int i = next++ & 1023;
        return snapshot.outbound(clients[i], requests[i]);
    }

    @Benchmark
    public AuthzDecision gatewayAuthorizationDecision() {
        int i = next++ & 1023;
        return authorizer.authorize(gateway, authzRequests[i]);
    }
}
