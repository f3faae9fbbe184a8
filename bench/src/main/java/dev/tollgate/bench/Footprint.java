package dev.tollgate.bench;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;

/**
 * The heap a loaded configuration and its compiled snapshot retain (used heap after full GCs, before and after),
 * and the time of the cold first compile a fresh process pays. The snapshot is asked every request kind of
 * {@link Traffic} first, so its per-workload caches are filled as on a busy proxy.
 *
 * <p>Run: {@code java -Xmx2g -cp bench/target/benchmarks.jar dev.tollgate.bench.Footprint
 * [namespaces size gatewayHosts gatewayPolicies]}
 */
public final class Footprint {
    private Footprint() {
    }

    public static void main(String[] args) {
        int ns = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 10000;
        int gh = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int gp = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        SyntheticMesh mesh = new SyntheticMesh(ns, size, size, gh, gp);
        Traffic traffic = new Traffic(mesh);
        long base = usedAfterGc();
        long t0 = System.nanoTime();
        ConfigSet config = mesh.load();
        long t1 = System.nanoTime();
        mesh.close();
        long withConfig = usedAfterGc();
        long t2 = System.nanoTime();
        MeshSnapshot snapshot = SnapshotCompiler.compile(config);
        long t3 = System.nanoTime();
        for (int i = 0; i < Traffic.N; i++) {
            snapshot.outbound(traffic.mixed[i].from(), traffic.mixed[i].request());
            snapshot.outbound(traffic.viaGateway[i].from(), traffic.viaGateway[i].request());
            snapshot.gateway(SyntheticMesh.GATEWAY, traffic.gatewayMixed[i].request());
        }
        long withSnapshot = usedAfterGc();
        System.out.println(mesh);
        System.out.printf("cold first load (ConfigLoader):         %.0f ms%n", (t1 - t0) / 1e6);
        System.out.printf("cold first compile (SnapshotCompiler):  %.0f ms%n", (t3 - t2) / 1e6);
        System.out.printf("loaded ConfigSet (fabric8 + origins):   %.1f MB%n", (withConfig - base) / 1e6);
        System.out.printf("compiled snapshot indexes and caches:   %.1f MB%n", (withSnapshot - withConfig) / 1e6);
        System.out.printf("total retained (what a proxy holds):    %.1f MB%n", (withSnapshot - base) / 1e6);
        // keep both reachable until measured
        System.out.println(snapshot.toString().length() > 0 && config.serviceEntries().size() == size
                ? "" : "unexpected");
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
