package dev.tollgate.bench;

import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.SnapshotCompiler;

/**
 * A loaded and compiled {@link SyntheticMesh} with its {@link Traffic}, checked before anything is measured: every
 * request kind must get the answer it stands for, or the benchmark would time the wrong path (a refused request
 * where a forwarded one was meant is much cheaper or much dearer).
 */
final class MeshState {
    final SyntheticMesh mesh;
    final ConfigSet config;
    final MeshSnapshot snapshot;
    final Registry registry;
    final Authorizer authorizer;
    final Traffic traffic;

    MeshState(int namespaces, int serviceEntries, int policies, int gatewayHosts, int gatewayPolicies) {
        mesh = new SyntheticMesh(namespaces, serviceEntries, policies, gatewayHosts, gatewayPolicies);
        try {
            config = mesh.load();
        } finally {
            mesh.close();
        }
        snapshot = SnapshotCompiler.compile(config);
        // The same indexes the snapshot holds, built again to time their parts alone.
        registry = Registry.compile(config);
        authorizer = Authorizer.compile(config);
        traffic = new Traffic(mesh);
        verify();
    }

    private void verify() {
        for (int i = 0; i < Traffic.N; i++) {
            expect(snapshot.outbound(traffic.knownDirect[i].from(), traffic.knownDirect[i].request())
                    instanceof OutboundDecision.Forward f && !f.viaGateway(), "known host forwarded directly", i);
            expect(snapshot.outbound(traffic.viaGateway[i].from(), traffic.viaGateway[i].request())
                    instanceof OutboundDecision.Forward f && f.viaGateway(), "gateway host sent to the gateway", i);
            expect(snapshot.outbound(traffic.unknown[i].from(), traffic.unknown[i].request())
                    instanceof OutboundDecision.Refused, "unknown host refused", i);
            expect(snapshot.outbound(traffic.hidden[i].from(), traffic.hidden[i].request())
                    instanceof OutboundDecision.Refused, "private host of another namespace refused", i);
            expect(snapshot.gateway(SyntheticMesh.GATEWAY, traffic.gatewayAllowed[i].request())
                    instanceof GatewayDecision.Forward, "allowed namespace forwarded by the gateway", i);
            expect(snapshot.gateway(SyntheticMesh.GATEWAY, traffic.gatewayDenied[i].request())
                    instanceof GatewayDecision.Denied, "other namespace denied by the gateway", i);
            expect(authorizer.authorize(SyntheticMesh.GATEWAY, traffic.gatewayAllowed[i].authz()).allowed(),
                    "authorizer allows", i);
            expect(!authorizer.authorize(SyntheticMesh.GATEWAY, traffic.gatewayDenied[i].authz()).allowed(),
                    "authorizer denies", i);
        }
    }

    private void expect(boolean ok, String what, int i) {
        if (!ok) {
            throw new IllegalStateException("synthetic traffic " + i + ": expected " + what + " (" + mesh + ")");
        }
    }
}
