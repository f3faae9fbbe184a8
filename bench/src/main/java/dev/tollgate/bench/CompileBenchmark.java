package dev.tollgate.bench;

import dev.tollgate.core.snapshot.MeshSnapshot;
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

import java.util.concurrent.TimeUnit;

/** Compiling a whole snapshot: what every reload costs. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class CompileBenchmark {
    @Param({"1000"})
    int namespaces;
    @Param({"10000"})
    int serviceEntries;
    @Param({"10000"})
    int policies;

    private SyntheticMesh mesh;

    @Setup
    public void setUp() {
        mesh = new SyntheticMesh(namespaces, serviceEntries, policies);
    }

    @Benchmark
    public MeshSnapshot compile() {
        return SnapshotCompiler.compile(mesh.config);
    }
}
