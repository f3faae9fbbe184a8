package dev.tollgate.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The loader checks its texts on several threads and plays them back in order; {@link SerialLoadOracle} is the
 * loader as it was before, reading one file after another on one thread. Over generated sets of files and folders,
 * with errors in several files at once (syntax, schema, encoding, a name defined twice across files, an unknown
 * kind), resources that depend on other files (the mesh's ConfigMap and IstioOperator, Gateway API routes, workloads)
 * and sources that fail before any file is read, both must give the same diagnostics, in the same order with the
 * same file:line:col, and the same configuration. Four threads on any machine, so that checks finish out of order.
 */
class ParallelLoadPropertiesTest {
    private final List<Path> dirs = new ArrayList<>();

    /** Documents, each valid or broken in its own way; names repeat so that files redefine each other's objects. */
    private static final List<String> DOCUMENTS = List.of(
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: se-%1$d, namespace: ns-%2$d}
            spec:
              hosts: [h%1$d.example.com]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            """,
            """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-%1$d, namespace: istio-system}
            spec:
              action: DENY
              rules: [{to: [{operation: {hosts: [h%1$d.example.com]}}]}]
            """,
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: typo-%1$d, namespace: ns-%2$d}
            spec:
              hostz: [h%1$d.example.com]
            """,
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: vs-%1$d}
            spec:
              hosts: [h%1$d.example.com]
              http: [{route: [{destination: {host: h%1$d.example.com}}], timeout: soon}]
            """,
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: ns-%2$d}
            spec:
              egress: [{hosts: ["./*", "istio-system/*"]}]
            """,
            """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: networking.istio.io/v1
              kind: DestinationRule
              metadata: {name: dr-%1$d, namespace: ns-%2$d}
              spec: {host: h%1$d.example.com, trafficPolicy: {tls: {mode: SIMPLE}}}
            - apiVersion: v1
              kind: Namespace
              metadata: {name: ns-%2$d}
            """,
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: app-%1$d, namespace: ns-%2$d}
            spec:
              template:
                metadata: {labels: {app: app-%1$d}}
                spec: {serviceAccountName: sa-%2$d, containers: [{name: c, image: i}]}
            """,
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: istio, namespace: istio-system}
            data:
              mesh: |-
                outboundTrafficPolicy:
                  mode: REGISTRY_ONLY
                trustDomain: td-%1$d.example
            """,
            """
            apiVersion: install.istio.io/v1alpha1
            kind: IstioOperator
            metadata: {name: op-%1$d, namespace: istio-system}
            spec: {meshConfig: {outboundTrafficPolicy: {mode: ALLOW_ANY}}}
            """,
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw-%1$d, namespace: istio-system}
            spec:
              gatewayClassName: istio
              listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
            """,
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntri
            metadata: {name: x-%1$d}
            """,
            """
            apiVersion: networking.istio.io/v2
            kind: Gateway
            metadata: {name: gw-%1$d}
            spec: {servers: []}
            """,
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: bad-yaml-%1$d
            spec: [
            """,
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: Bad_Name_%1$d}
            spec: {hosts: ["*.*.example.com"], ports: [{number: 99999, name: x, protocol: TCP}]}
            """,
            "just a string\n",
            "# only a comment\n",
            """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata:
              name: we-%1$d
              namespace: ns-%2$d
              annotations: {proxy.istio.io/health-checks-enabled: "true"}
            spec: {address: 10.0.0.%1$d, labels: {app: app-%1$d}}
            """);

    record Doc(int template, int n, int ns) {
        String text() {
            return DOCUMENTS.get(template).formatted(n, ns);
        }
    }

    /** A file: its documents, or raw bytes that are not UTF-8; in a folder or given alone, maybe with a namespace. */
    record FileSpec(List<Doc> docs, boolean notUtf8, boolean inFolder, Optional<String> namespace) {
    }

    /** The documents that load (a WorkloadEntry that is no endpoint is a notice); the others are errors. */
    private static final List<Integer> VALID = List.of(0, 1, 4, 5, 6, 7, 8, 9, 15, 16);

    @Provide
    Arbitrary<List<FileSpec>> fileSets() {
        return files(Arbitraries.integers().between(0, DOCUMENTS.size() - 1), Arbitraries.integers().between(0, 19)
                .map(i -> i == 0), Arbitraries.of(Optional.<String>empty(), Optional.empty(), Optional.of("team-a"),
                Optional.of("Not_A_Namespace")));
    }

    @Provide
    Arbitrary<List<FileSpec>> validFileSets() {
        return files(Arbitraries.of(VALID), Arbitraries.just(false),
                Arbitraries.of(Optional.<String>empty(), Optional.of("team-a")));
    }

    private static Arbitrary<List<FileSpec>> files(Arbitrary<Integer> templates, Arbitrary<Boolean> notUtf8,
                                                   Arbitrary<Optional<String>> namespaces) {
        Arbitrary<Doc> doc = Combinators.combine(templates, Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 3)).as(Doc::new);
        Arbitrary<FileSpec> file = Combinators.combine(doc.list().ofMinSize(0).ofMaxSize(4), notUtf8,
                Arbitraries.of(true, true, false), namespaces).as(FileSpec::new);
        return file.list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 300)
    void withErrorsInSeveralFiles(@ForAll("fileSets") List<FileSpec> files, @ForAll boolean missingSource)
            throws IOException {
        sameAsSerial(files, missingSource);
    }

    @Property(tries = 200)
    void withValidFiles(@ForAll("validFileSets") List<FileSpec> files) throws IOException {
        sameAsSerial(files, false);
        Statistics.coverage(c -> c.check(true).percentage(p -> p > 30));
    }

    private void sameAsSerial(List<FileSpec> files, boolean missingSource) throws IOException {
        Path dir = Files.createTempDirectory("tollgate-parallel-load-");
        dirs.add(dir);
        Path folder = Files.createDirectories(dir.resolve("folder"));
        List<ConfigSource> sources = new ArrayList<>();
        boolean folderUsed = false;
        for (int i = 0; i < files.size(); i++) {
            FileSpec f = files.get(i);
            Path path = (f.inFolder() ? folder : dir).resolve(String.format("f%02d.yaml", i));
            byte[] bytes = f.notUtf8() ? "kind: ServiceEntry\nmetadata: {name: \u00e9}\n".getBytes(StandardCharsets.ISO_8859_1)
                    : String.join("---\n", f.docs().stream().map(Doc::text).toList()).getBytes(StandardCharsets.UTF_8);
            Files.write(path, bytes);
            if (!f.inFolder()) {
                sources.add(new ConfigSource(path, f.namespace()));
            } else if (!folderUsed) {
                folderUsed = true;
                sources.add(new ConfigSource(folder, f.namespace()));
            }
        }
        if (!folderUsed && missingSource) {
            sources.add(new ConfigSource(folder, Optional.empty()));   // an empty folder: an error before any text
        }
        if (missingSource) {
            sources.add(sources.size() / 2, new ConfigSource(dir.resolve("missing.yaml"), Optional.empty()));
        }
        LoadOptions options = LoadOptions.DEFAULTS;
        LoadResult serial = SerialLoadOracle.load(sources, options);
        Statistics.collect(serial.ok());
        Statistics.label("errors").collect(Math.min(serial.errors().size(), 3));
        for (int threads : new int[] {1, 4}) {
            LoadResult parallel = ConfigLoader.load(sources, options, threads);
            assertThat(Fixtures.dump(parallel.diagnostics())).as(threads + " threads")
                    .isEqualTo(Fixtures.dump(serial.diagnostics()));
            assertThat(parallel.diagnostics()).isEqualTo(serial.diagnostics());
            assertThat(parallel.config()).isEqualTo(serial.config());
        }
    }

    @AfterTry
    void deleteFiles() {
        for (Path dir : dirs) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        dirs.clear();
    }
}
