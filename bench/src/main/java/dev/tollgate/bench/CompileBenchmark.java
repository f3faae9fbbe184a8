package dev.tollgate.bench;

import dev.tollgate.core.model.ConfigSet;
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

/**
 * Compiling a whole snapshot from a loaded {@link ConfigSet} (what every reload costs after parsing): registry,
 * routing and authorization indexes. Single shots: the first iterations show the cold JVM a fresh process sees,
 * the later ones the warm one of a long-running proxy. {@link Footprint} prints the cold first compile on its own.
 */
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
    int size;
    @Param({"1000"})
    int gatewayHosts;
    @Param({"1000"})
    int gatewayPolicies;

    private ConfigSet config;

    @Setup
    public void setUp() {
        try (SyntheticMesh mesh = new SyntheticMesh(namespaces, size, size, gatewayHosts, gatewayPolicies)) {
            config = mesh.load();
        }
    }

    @Benchmark
    public MeshSnapshot compile() {
        return SnapshotCompiler.compile(config);
    }
}
