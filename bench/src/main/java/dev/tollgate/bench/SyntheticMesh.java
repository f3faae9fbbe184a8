package dev.tollgate.bench;

import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.WorkloadRef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A large mesh for benchmarks, written as the YAML users apply and loaded through {@link ConfigLoader}, so that the
 * benchmarks measure the objects a running proxy really holds (validated, with origins), not hand-built ones.
 *
 * <p>Shape (every number is a parameter; the target is 10,000 ServiceEntries and 10,000 policies across
 * 1,000 namespaces):
 * <ul>
 *   <li>{@code istio-system} is the root namespace and runs the egress gateway (a Deployment with Istio's labels);
 *       every other namespace {@code ns-<n>} runs a {@code sleep} Deployment.</li>
 *   <li>{@code gatewayHosts} hosts {@code egress-<g>.example.com} use the tutorial's egress-gateway pattern
 *       (external-google-https.yaml): in istio-system a ServiceEntry (TLS 443), a Gateway with an ISTIO_MUTUAL
 *       server for the host, a VirtualService (mesh tls route to the gateway's subset, gateway tcp route out) and a
 *       DestinationRule per host for the gateway service with its subset and sni, which Istio merges per host.</li>
 *   <li>The other ServiceEntries are spread over the application namespaces, with exportTo {@code .} (private),
 *       {@code *} and {@code [., other-ns]} in turn; every tenth is a wildcard {@code *.w<i>.example.com}
 *       (resolution NONE), and every fiftieth host is also declared by a second namespace.</li>
 *   <li>Policies: {@code allow-nothing} ({@code spec: {}}) in the root namespace, which applies to every workload,
 *       the gateway included; {@code gatewayPolicies} policies in istio-system selecting the egress gateway, one per
 *       gateway host in turn, ALLOW from two namespaces by {@code connection.sni}, every fourth a DENY for a third
 *       namespace; the rest in application namespaces, selecting their apps (they never apply to the gateway but
 *       are compiled and indexed like the others).</li>
 * </ul>
 */
public final class SyntheticMesh implements AutoCloseable {
    public static final String ROOT = "istio-system";
    public static final WorkloadRef GATEWAY = EgressGatewayIdentity.WORKLOAD;
    public static final LoadOptions OPTIONS = new LoadOptions("default",
            Map.of("outboundTrafficPolicy.mode", "REGISTRY_ONLY"));

    public final int namespaceCount;
    public final int serviceEntries;
    public final int policies;
    public final int gatewayHosts;
    public final int gatewayPolicies;
    public final Path dir;
    /** Application namespaces (not the root). */
    public final List<String> namespaces = new ArrayList<>();
    /** A host of each plain (not gateway) ServiceEntry, with the namespace that declares it and its exportTo. */
    public final List<PlainHost> plainHosts = new ArrayList<>();
    public final List<String> gatewayHostNames = new ArrayList<>();
    /** For gateway host g: the namespaces its ALLOW policy names (empty when no policy covers it). */
    public final List<List<String>> allowedNamespaces = new ArrayList<>();

    /** One plain ServiceEntry host: who declares it and who may see it. */
    public record PlainHost(String host, String namespace, String exportTo, boolean wildcard) {
        /** A name the host covers (the wildcard's own subdomain for wildcard entries). */
        public String requestName(int salt) {
            return wildcard ? "api-" + salt + host.substring(1) : host;
        }

        public boolean visibleTo(String ns, String other) {
            return switch (exportTo) {
                case "." -> ns.equals(namespace);
                case "*" -> true;
                default -> ns.equals(namespace) || ns.equals(other);
            };
        }
    }

    public SyntheticMesh(int namespaceCount, int serviceEntries, int policies, int gatewayHosts,
                         int gatewayPolicies) {
        if (namespaceCount < 3 || gatewayHosts > serviceEntries || gatewayPolicies + 1 > policies) {
            throw new IllegalArgumentException("need 3+ namespaces, gatewayHosts <= serviceEntries and "
                    + "gatewayPolicies < policies");
        }
        this.namespaceCount = namespaceCount;
        this.serviceEntries = serviceEntries;
        this.policies = policies;
        this.gatewayHosts = gatewayHosts;
        this.gatewayPolicies = gatewayPolicies;
        for (int n = 1; n < namespaceCount; n++) {
            namespaces.add("ns-" + n);
        }
        try {
            dir = Files.createTempDirectory("tollgate-bench-");
            write();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The namespace a plain entry {@code i} with exportTo {@code [., x]} also exports to. */
    public String otherNamespace(int i) {
        return namespaces.get((i * 7 + 3) % namespaces.size());
    }

    private String appNamespace(int i) {
        return namespaces.get(i % namespaces.size());
    }

    private void write() throws IOException {
        List<StringBuilder> files = new ArrayList<>();
        for (int n = 0; n < namespaceCount; n++) {
            files.add(new StringBuilder(4096));
        }
        StringBuilder root = files.get(0);
        deployment(root, ROOT, EgressGatewayIdentity.NAME, EgressGatewayIdentity.SERVICE_ACCOUNT,
                "istio: egressgateway\n        app: istio-egressgateway");
        for (int n = 1; n < namespaceCount; n++) {
            deployment(files.get(n), namespaces.get(n - 1), "sleep", "sleep", "app: sleep");
        }
        // the tutorial's pattern, once per gateway host
        for (int g = 0; g < gatewayHosts; g++) {
            String host = "egress-" + g + ".example.com";
            gatewayHostNames.add(host);
            allowedNamespaces.add(new ArrayList<>());
            root.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: egress-%1$d, namespace: istio-system}
                    spec:
                      hosts: [%2$s]
                      location: MESH_EXTERNAL
                      resolution: DNS
                      ports:
                      - {number: 443, name: tls, protocol: TLS}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: egress-%1$d, namespace: istio-system}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: 443, name: tls-%1$d, protocol: TLS}
                        hosts: [%2$s]
                        tls: {mode: ISTIO_MUTUAL}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: egressgateway-for-%1$d, namespace: istio-system}
                    spec:
                      host: istio-egressgateway.istio-system.svc.cluster.local
                      subsets:
                      - name: g-%1$d
                        trafficPolicy:
                          portLevelSettings:
                          - port: {number: 443}
                            tls: {mode: ISTIO_MUTUAL, sni: %2$s}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: egress-%1$d, namespace: istio-system}
                    spec:
                      hosts: [%2$s]
                      gateways: [egress-%1$d, mesh]
                      tls:
                      - match:
                        - {gateways: [mesh], port: 443, sniHosts: [%2$s]}
                        route:
                        - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: g-%1$d, port: {number: 443}}
                      tcp:
                      - match:
                        - {gateways: [egress-%1$d], port: 443}
                        route:
                        - destination: {host: %2$s, port: {number: 443}}
                    ---
                    """.formatted(g, host));
        }
        for (int i = gatewayHosts; i < serviceEntries; i++) {
            int ni = i % namespaces.size();
            String ns = namespaces.get(ni);
            boolean wildcard = i % 10 == 9;
            // every fiftieth host is also declared by the next namespace (a host defined in several namespaces)
            String host = i % 50 == 1 && i > gatewayHosts ? "svc-" + (i - 1) + ".example.com"
                    : wildcard ? "*.w" + i + ".example.com" : "svc-" + i + ".example.com";
            String exportTo = switch (i % 3) {
                case 0 -> ".";
                case 1 -> "*";
                default -> "., " + otherNamespace(i);
            };
            plainHosts.add(new PlainHost(host, ns, i % 3 == 2 ? "list" : exportTo, wildcard));
            files.get(ni + 1).append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: se-%d, namespace: %s}
                    spec:
                      hosts: ["%s"]
                      exportTo: [%s]
                      location: MESH_EXTERNAL
                      resolution: %s
                      ports:
                      - {number: 443, name: https, protocol: TLS}
                      - {number: 80, name: http, protocol: HTTP}
                    ---
                    """.formatted(i, ns, host, quoteList(exportTo), wildcard ? "NONE" : "DNS"));
        }
        root.append("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-nothing, namespace: istio-system}
                spec: {}
                ---
                """);
        for (int p = 0; p < gatewayPolicies; p++) {
            int g = p % Math.max(1, gatewayHosts);
            String host = gatewayHosts == 0 ? "none.example.com" : gatewayHostNames.get(g);
            boolean deny = p % 4 == 3;
            String a = namespaces.get((p * 13 + 1) % namespaces.size());
            String b = namespaces.get((p * 13 + 2) % namespaces.size());
            if (!deny && gatewayHosts > 0) {
                allowedNamespaces.get(g).add(a);
                allowedNamespaces.get(g).add(b);
            }
            root.append("""
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: egress-%d, namespace: istio-system}
                    spec:
                      selector: {matchLabels: {istio: egressgateway}}
                      action: %s
                      rules:
                      - from:
                        - source: {namespaces: [%s]}
                        to:
                        - operation: {ports: ["443"]}
                        when:
                        - {key: connection.sni, values: [%s]}
                    ---
                    """.formatted(p, deny ? "DENY" : "ALLOW", deny ? "\"" + namespaces.get((p * 13 + 5)
                    % namespaces.size()) + "\"" : "\"" + a + "\", \"" + b + "\"", host));
        }
        for (int p = gatewayPolicies + 1; p < policies; p++) {
            int ni = p % namespaces.size();
            String ns = namespaces.get(ni);
            String peer = namespaces.get((p * 7 + 1) % namespaces.size());
            files.get(ni + 1).append("""
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: ap-%d, namespace: %s}
                    spec:
                      selector: {matchLabels: {app: app-%d}}
                      action: %s
                      rules:
                      - from:
                        - source: {principals: ["cluster.local/ns/%s/sa/sa-%d"]}
                        to:
                        - operation: {methods: [GET, HEAD], paths: ["/api/*"], ports: ["80", "8080"]}
                        when:
                        - {key: "request.headers[x-tenant]", values: [t-%d]}
                    ---
                    """.formatted(p, ns, p % 7, p % 2 == 0 ? "DENY" : "ALLOW", peer, p, p));
        }
        for (int n = 0; n < namespaceCount; n++) {
            Files.writeString(dir.resolve(String.format("%04d-%s.yaml", n, n == 0 ? ROOT : namespaces.get(n - 1))),
                    files.get(n), StandardCharsets.UTF_8);
        }
    }

    private static String quoteList(String csv) {
        StringBuilder out = new StringBuilder();
        for (String s : csv.split(",")) {
            out.append(out.isEmpty() ? "" : ", ").append('"').append(s.trim()).append('"');
        }
        return out.toString();
    }

    private static void deployment(StringBuilder out, String ns, String name, String sa, String labels) {
        out.append("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  template:
                    metadata:
                      labels:
                        %4$s
                    spec:
                      serviceAccountName: %3$s
                ---
                """.formatted(name, ns, sa, labels));
    }

    /** Loads the files as {@code tollgate -f DIR} does; fails on any error so no benchmark measures a partial mesh. */
    public ConfigSet load() {
        LoadResult r = ConfigLoader.load(List.of(new ConfigSource(dir, Optional.empty())), OPTIONS);
        List<Diagnostic> errors = r.errors();
        if (!r.ok() || r.config().isEmpty()) {
            throw new IllegalStateException("synthetic mesh does not load: " + errors.stream().limit(5)
                    .map(Diagnostic::format).toList());
        }
        return r.config().get();
    }

    /** A workload in application namespace {@code ns}. */
    public static WorkloadRef sleep(String ns) {
        return new WorkloadRef(ns, "sleep", Map.of("app", "sleep"));
    }

    @Override
    public void close() {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Plain hosts exported only to their own namespace and declared by no other (a host declared twice may be public elsewhere). */
    public List<PlainHost> privateHosts() {
        java.util.Map<String, Long> declared = plainHosts.stream().collect(java.util.stream.Collectors.groupingBy(
                PlainHost::host, java.util.stream.Collectors.counting()));
        return plainHosts.stream().filter(h -> h.exportTo().equals(".") && declared.get(h.host()) == 1).toList();
    }

    /** The gateway hosts some ALLOW policy names a namespace for. */
    public List<Integer> coveredGatewayHosts() {
        List<Integer> covered = new ArrayList<>();
        for (int g = 0; g < gatewayHosts; g++) {
            if (!allowedNamespaces.get(g).isEmpty()) {
                covered.add(g);
            }
        }
        return covered;
    }

    @Override
    public String toString() {
        return serviceEntries + " ServiceEntries, " + policies + " AuthorizationPolicies, " + namespaceCount
                + " namespaces, " + gatewayHosts + " hosts through the egress gateway (Gateway + VirtualService + "
                + "DestinationRule each), " + gatewayPolicies + " policies on the gateway";
    }
}
