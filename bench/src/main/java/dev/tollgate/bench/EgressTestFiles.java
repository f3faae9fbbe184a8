package dev.tollgate.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Writes the benchmark mesh ({@link SyntheticMesh} at the target size) as a folder of Istio YAML, an EgressTest of
 * many cases against it, and the same questions as {@code check --batch} input, for timing {@code tollgate test}
 * and {@code tollgate check --batch} as whole commands:
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.tollgate.bench.EgressTestFiles OUT [CASES]
 *   OUT/mesh/        1,000 files: 10,000 ServiceEntries, 10,000 AuthorizationPolicies (1,000 on the gateway)
 *   OUT/tests.yaml   CASES cases (default 10,000), each with the answer the mesh is built to give
 *   OUT/batch.jsonl  the same requests, one JSON line each
 * </pre>
 * The cases cycle through six kinds: a host the client's namespace declares, over TLS and over HTTP (allowed); a host
 * routed through the egress gateway from a namespace its ALLOW policy names (allowed) and from one it does not
 * (denied); a host no ServiceEntry declares and one declared privately in another namespace (both blocked).
 */
public final class EgressTestFiles {
    private EgressTestFiles() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: EgressTestFiles OUT [CASES]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        int cases = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        try (SyntheticMesh mesh = new SyntheticMesh(1_000, 10_000, 10_000, 1_000, 1_000)) {
            Path meshDir = out.resolve("mesh");
            Files.createDirectories(meshDir);
            try (Stream<Path> files = Files.list(mesh.dir)) {
                for (Path f : files.toList()) {
                    Files.copy(f, meshDir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            List<Case> all = cases(mesh, cases);
            try (Writer w = Files.newBufferedWriter(out.resolve("tests.yaml"), StandardCharsets.UTF_8)) {
                w.write("""
                        apiVersion: tollgate.dev/v1
                        kind: EgressTest
                        metadata: {name: bench-mesh}
                        spec:
                          mesh: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
                          cases:
                        """);
                for (Case c : all) {
                    w.write("  - {from: " + c.from + ", request: \"" + (c.method == null ? "" : c.method + " ")
                            + c.url + "\", expect: " + c.expect + "}\n");
                }
            }
            try (Writer w = Files.newBufferedWriter(out.resolve("batch.jsonl"), StandardCharsets.UTF_8)) {
                for (Case c : all) {
                    w.write("{\"from\": \"" + c.from + "\", " + (c.method == null ? ""
                            : "\"method\": \"" + c.method + "\", ") + "\"url\": \"" + c.url + "\"}\n");
                }
            }
            System.err.println("wrote " + meshDir + " (" + mesh + "), " + all.size() + " cases");
        }
    }

    /** @param method null for https:// (the proxies see no method inside TLS) */
    private record Case(String from, String method, String url, String expect) {
    }

    private static List<Case> cases(SyntheticMesh mesh, int n) {
        SplittableRandom random = new SplittableRandom(42);
        List<SyntheticMesh.PlainHost> plain = mesh.plainHosts;
        List<SyntheticMesh.PlainHost> privateOnes = mesh.privateHosts();
        List<Integer> covered = mesh.coveredGatewayHosts();
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(switch (i % 6) {
                case 0, 1 -> {
                    SyntheticMesh.PlainHost h = plain.get(random.nextInt(plain.size()));
                    String name = h.requestName(i);
                    yield new Case(h.namespace() + "/sleep", i % 6 == 0 ? null : "HEAD",
                            (i % 6 == 0 ? "https://" : "http://") + name + "/", "allowed");
                }
                case 2, 3 -> {
                    int g = covered.get(random.nextInt(covered.size()));
                    List<String> allowed = mesh.allowedNamespaces.get(g);
                    String from = allowed.get(random.nextInt(allowed.size()));
                    if (i % 6 == 3) {
                        do {
                            from = mesh.namespaces.get(random.nextInt(mesh.namespaces.size()));
                        } while (allowed.contains(from));
                    }
                    yield new Case(from + "/sleep", null, "https://" + mesh.gatewayHostNames.get(g) + "/",
                            i % 6 == 2 ? "allowed" : "denied");
                }
                case 4 -> new Case(mesh.namespaces.get(random.nextInt(mesh.namespaces.size())) + "/sleep", null,
                        "https://unknown-" + i + ".example.org/", "blocked");
                default -> {
                    SyntheticMesh.PlainHost p = privateOnes.get(random.nextInt(privateOnes.size()));
                    String other;
                    do {
                        other = mesh.namespaces.get(random.nextInt(mesh.namespaces.size()));
                    } while (other.equals(p.namespace()));
                    yield new Case(other + "/sleep", null, "https://" + p.requestName(i) + "/", "blocked");
                }
            });
        }
        return out;
    }
}
