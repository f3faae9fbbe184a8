package dev.tollgate.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.config.YamlLimits;
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
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One file holding a ServiceEntry whose annotation value is {@code sizeMb} MiB long (issue 6, 1.9: such a file took
 * 5 s at 4 MB and 58 s at 16 MB, on every reload). Three ways:
 * <ul>
 *   <li>{@code stockJackson}: the tokens as Jackson's stock YAML parser gives them (SnakeYAML's sliding-window
 *       reader, what the loader used before), with SnakeYAML's 3 MB document limit lifted. Quadratic.</li>
 *   <li>{@code loaderUncapped}: {@link ConfigLoader#load} with the limits raised to 64 MiB, i.e. the parse itself
 *       through the whole-text reader. Linear.</li>
 *   <li>{@code loaderDefaults}: {@link ConfigLoader#load} with the default limits: anything above 4 MiB is refused
 *       from its size, before it is read.</li>
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar YamlScalarBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class YamlScalarBenchmark {
    @Param({"1", "4", "16"})
    int sizeMb;

    private Path dir;
    private Path file;
    private String text;
    private YAMLFactory stock;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tollgate-yaml-bench");
        text = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: big
                  namespace: default
                  annotations:
                    note: %s
                spec:
                  hosts: ["big.example.com"]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                """.formatted("x".repeat(sizeMb << 20));
        file = Files.writeString(dir.resolve("big.yaml"), text);
        LoaderOptions unlimited = new LoaderOptions();
        unlimited.setCodePointLimit(Integer.MAX_VALUE);
        stock = YAMLFactory.builder().loaderOptions(unlimited).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public long stockJackson() throws IOException {
        long chars = 0;
        try (JsonParser p = stock.createParser(text)) {
            while (p.nextToken() != null) {
                chars += p.getTextLength();
            }
        }
        return chars;
    }

    @Benchmark
    public LoadResult loaderUncapped() {
        return load(new YamlLimits(64L << 20, 64 << 20));
    }

    @Benchmark
    public LoadResult loaderDefaults() {
        return load(YamlLimits.DEFAULTS);
    }

    private LoadResult load(YamlLimits limits) {
        return ConfigLoader.load(List.of(new ConfigSource(file, java.util.Optional.empty())),
                new LoadOptions("default", Map.of(), limits));
    }
}
