package dev.tollgate.bench;

import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;

/**
 * The heap a compiled snapshot retains, measured as used heap after full GCs with and without it.
 * Run: java -cp bench/target/benchmarks.jar dev.tollgate.bench.Footprint [namespaces serviceEntries policies]
 */
public final class Footprint {
    private Footprint() {
    }

    public static void main(String[] args) {
        int ns = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int se = args.length > 1 ? Integer.parseInt(args[1]) : 10000;
        int ap = args.length > 2 ? Integer.parseInt(args[2]) : 10000;
        long base = usedAfterGc();
        SyntheticMesh mesh = new SyntheticMesh(ns, se, ap);
        long withConfig = usedAfterGc();
        MeshSnapshot snapshot = SnapshotCompiler.compile(mesh.config);
        long withSnapshot = usedAfterGc();
        System.out.printf("input ConfigSet (fabric8 objects): %.1f MB%n", (withConfig - base) / 1e6);
        System.out.printf("compiled snapshot indexes:         %.1f MB%n", (withSnapshot - withConfig) / 1e6);
        System.out.printf("total (what a proxy holds):        %.1f MB%n", (withSnapshot - base) / 1e6);
        // keep both reachable until measured
        if (snapshot.config() != mesh.config) {
            System.out.println("(snapshot keeps its own copy of the config)");
        }
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
