package dev.tollgate.bench;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * A reload end to end, not a target of the issue but what users will ask: {@code ConfigLoader} reading the YAML
 * files of the target-size mesh from a temp dir (1,000 files, one per namespace), checking every node against the
 * schema and Istio's validation, converting to fabric8 objects; then {@code load + compile}, what
 * {@code ConfigStore.reload()} does. The files sit in the page cache after the first read, as on a proxy
 * re-reading a mounted ConfigMap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class LoadBenchmark {
    @Param({"1000"})
    int namespaces;
    @Param({"10000"})
    int size;
    @Param({"1000"})
    int gatewayHosts;
    @Param({"1000"})
    int gatewayPolicies;

    private SyntheticMesh mesh;

    @Setup(Level.Trial)
    public void setUp() {
        mesh = new SyntheticMesh(namespaces, size, size, gatewayHosts, gatewayPolicies);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mesh.close();
    }

    @Benchmark
    public ConfigSet load() {
        return mesh.load();
    }

    @Benchmark
    public MeshSnapshot loadAndCompile() {
        return SnapshotCompiler.compile(mesh.load());
    }
}
