package dev.tollgate.cli.differential;

import dev.tollgate.control.push.ProxyView;
import dev.tollgate.control.watch.WatchedSnapshot;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.Peer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane sends each proxy only its view of the configuration ({@link ProxyView}, from the core's
 * {@code MeshSnapshot.dependencies}). A proxy that compiles its view must decide every request as the whole
 * configuration decides it for that proxy: for a sidecar its outbound decision, for the egress gateway its server
 * selection, authorization and routing. Checked on generated worlds and on every step of the tutorial, for every
 * sidecar of the worlds' namespaces and the gateway; and a view leaves out what other namespaces keep private.
 */
class ScopedViewPropertyTest {

    static final List<WorkloadRef> SIDECARS = List.of(
            new WorkloadRef("default", "sleep", Map.of("app", "sleep")),
            new WorkloadRef("otherns", "sleep", Map.of("app", "sleep")),
            new WorkloadRef("otherns", "sleep-yahoo", Map.of("app", "sleep-yahoo")),
            new WorkloadRef("istio-system", "tool", Map.of("app", "tool")),
            new WorkloadRef("thirdns", "default", Map.of()));

    @Property(tries = 120)
    void aProxyDecidesFromItsViewAsFromTheWholeConfiguration(@ForAll("worlds") Tuple.Tuple2<World, List<Req>> sample) {
        World world = sample.get1();
        Map<String, String> objects = new TreeMap<>(ClusterObjects.of(world.yaml(), "default"));
        objects.putAll(privateNoise());
        assertViewsDecideAsTheWhole(objects, sample.get2());
    }

    /**
     * With Kubernetes Services: ExternalName aliases (chains of them, loops, aliases of another namespace's private
     * Service, exported or not) and the ClusterIP Services they may name, asked for by every name a pod may use.
     * The view keeps only the aliases that can stand for a service of the proxy's scope.
     */
    @Property(tries = 80)
    void aliasesDecideFromTheViewAsFromTheWholeConfiguration(
            @ForAll("worlds") Tuple.Tuple2<World, List<Req>> sample, @ForAll("externalNames") List<Alias> aliases) {
        Map<String, String> objects = new TreeMap<>(ClusterObjects.of(sample.get1().yaml(), "default"));
        objects.putAll(privateNoise());
        objects.putAll(ClusterObjects.of(CLUSTER_IP_SERVICES + aliases.stream().map(Alias::yaml)
                .collect(java.util.stream.Collectors.joining()), "default"));
        List<Req> requests = new ArrayList<>(sample.get2());
        for (Alias a : aliases) {
            for (String host : List.of(a.host(), a.name(), a.name() + "." + a.namespace())) {
                requests.add(new Req(Pool.SOURCES.get(0), false, host, 80, "GET", "/"));
                requests.add(new Req(Pool.SOURCES.get(0), true, host, 443, "GET", "/"));
            }
        }
        assertViewsDecideAsTheWhole(objects, requests);
    }

    /** Services ExternalName aliases may name: one every namespace sees, one otherns keeps to itself. */
    static final String CLUSTER_IP_SERVICES = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec: {clusterIP: 10.96.0.20, ports: [{port: 80, name: http}, {port: 443, name: https}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: db, namespace: otherns, annotations: {networking.istio.io/exportTo: "."}}
            spec: {clusterIP: 10.96.0.30, ports: [{port: 80, name: http}, {port: 443, name: https}]}
            ---
            """;

    static final List<String> ALIAS_NAMES = List.of("ext-a", "ext-b", "ext-c");
    static final List<String> ALIAS_NAMESPACES = List.of("default", "otherns", "thirdns");

    /** An ExternalName Service NAME in NAMESPACE pointing at TARGET, exported everywhere or only to its namespace. */
    record Alias(String name, String namespace, String target, boolean exportedToOwnNamespaceOnly) {
        String host() {
            return name + "." + namespace + ".svc.cluster.local";
        }

        String yaml() {
            return """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: %s, namespace: %s%s}
                    spec: {type: ExternalName, externalName: %s}
                    ---
                    """.formatted(name, namespace, exportedToOwnNamespaceOnly
                    ? ", annotations: {networking.istio.io/exportTo: \".\"}" : "", target);
        }
    }

    @Provide
    Arbitrary<List<Alias>> externalNames() {
        List<String> targets = new ArrayList<>(Pool.NAMED);
        targets.addAll(List.of("en.wikipedia.org", "web.default.svc.cluster.local", "db.otherns.svc.cluster.local",
                "unknown.example.net"));
        for (String n : ALIAS_NAMES) {
            for (String ns : ALIAS_NAMESPACES) {
                targets.add(n + "." + ns + ".svc.cluster.local"); // chains, and loops when one names itself back
            }
        }
        return Combinators.combine(Arbitraries.of(ALIAS_NAMES), Arbitraries.of(ALIAS_NAMESPACES),
                        Arbitraries.of(targets), Arbitraries.of(true, false))
                .as(Alias::new).list().ofMinSize(1).ofMaxSize(4).uniqueElements(Alias::host);
    }

    @Provide
    Arbitrary<Tuple.Tuple2<World, List<Req>>> worlds() {
        return Worlds.worlds().flatMap(w -> Worlds.requestsFor(w, 12).map(rs -> Tuple.of(w, rs)));
    }

    @Property(tries = 15)
    void everyTutorialStep(@ForAll("steps") Path step, @ForAll("requestLists") List<Req> requests) throws IOException {
        assertViewsDecideAsTheWhole(tutorialStep(step), requests);
    }

    @Provide
    Arbitrary<Path> steps() throws IOException {
        try (var files = Files.list(tutorialTests())) {
            return Arbitraries.of(files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList());
        }
    }

    @Provide
    Arbitrary<List<Req>> requestLists() {
        return Worlds.requests().list().ofSize(30);
    }

    @Example
    void aViewLeavesOutOtherNamespacesPrivateResources() {
        Map<String, String> objects = new TreeMap<>(ClusterObjects.of("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: public-google, namespace: istio-system}
                spec: {hosts: [developers.google.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
                """, "default"));
        objects.putAll(privateNoise());
        WatchedSnapshot full = watched(objects);
        for (WorkloadRef sidecar : SIDECARS) {
            List<String> sent = view(full, ProxyRef.Kind.SIDECAR, sidecar).resources().stream()
                    .map(dev.tollgate.api.config.v1.Resource::getSource).toList();
            assertThat(sent).as("the view of %s", sidecar).hasSizeLessThan(objects.size())
                    .contains("cluster:ServiceEntry/istio-system/public-google");
            for (String source : objects.keySet()) {
                String ns = source.split("/")[1];
                if (source.contains("/private-") && !ns.equals(sidecar.namespace())) {
                    assertThat(sent).as("%s's view", sidecar).doesNotContain(source);
                }
            }
            if (objects.containsKey("cluster:ServiceEntry/" + sidecar.namespace() + "/private-se")) {
                assertThat(sent).contains("cluster:ServiceEntry/" + sidecar.namespace() + "/private-se",
                        "cluster:VirtualService/" + sidecar.namespace() + "/private-vs",
                        "cluster:DestinationRule/" + sidecar.namespace() + "/private-dr");
            }
            assertThat(sent).as("pods and namespaces decide nothing here").noneMatch(s -> s.contains(":Pod/")
                    || s.contains(":Namespace/"));
        }
        List<String> gateway = view(full, ProxyRef.Kind.GATEWAY, EgressGatewayIdentity.WORKLOAD).resources().stream()
                .map(dev.tollgate.api.config.v1.Resource::getSource).toList();
        assertThat(gateway).noneMatch(s -> s.contains("/private-") && !s.contains("/istio-system/"));
    }

    @Example
    void aViewFollowsSidecarScopingGatewaySelectorsAndTheRootNamespace() {
        Map<String, String> objects = new TreeMap<>(ClusterObjects.of("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: public-google, namespace: istio-system}
                spec: {hosts: [developers.google.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: own-only, namespace: default}
                spec: {egress: [{hosts: ["./*"]}]}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress, namespace: istio-system}
                spec:
                  selector: {istio: egressgateway}
                  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [developers.google.com], tls: {mode: PASSTHROUGH}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: ingress, namespace: istio-system}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: mesh-wide, namespace: istio-system}
                spec: {action: DENY, rules: [{to: [{operation: {hosts: [evil.example.org]}}]}]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ingress-only, namespace: istio-system}
                spec: {selector: {matchLabels: {istio: ingressgateway}}, action: DENY, rules: [{}]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: in-default, namespace: default}
                spec: {action: DENY, rules: [{}]}
                """, "default"));
        WatchedSnapshot full = watched(objects);
        List<String> scoped = sources(full, ProxyRef.Kind.SIDECAR, SIDECARS.get(0));
        assertThat(scoped).as("default's Sidecar imports only default's own hosts")
                .contains("cluster:Sidecar/default/own-only")
                .doesNotContain("cluster:ServiceEntry/istio-system/public-google");
        assertThat(sources(full, ProxyRef.Kind.SIDECAR, SIDECARS.get(1))).as("otherns has no Sidecar")
                .contains("cluster:ServiceEntry/istio-system/public-google")
                .doesNotContain("cluster:Sidecar/default/own-only");
        assertThat(sources(full, ProxyRef.Kind.GATEWAY, EgressGatewayIdentity.WORKLOAD))
                .contains("cluster:Gateway/istio-system/egress", "cluster:AuthorizationPolicy/istio-system/mesh-wide")
                .doesNotContain("cluster:Gateway/istio-system/ingress",
                        "cluster:AuthorizationPolicy/istio-system/ingress-only",
                        "cluster:AuthorizationPolicy/default/in-default", "cluster:Sidecar/default/own-only");
        assertViewsDecideAsTheWhole(objects, List.of(
                new Req(new Pool.Source("default", "sleep"), true, "developers.google.com", 443, "GET", "/"),
                new Req(new Pool.Source("otherns", "sleep"), true, "developers.google.com", 443, "GET", "/"),
                new Req(new Pool.Source("otherns", "sleep"), false, "evil.example.org", 80, "GET", "/")));
    }

    @Example
    void aViewHoldsOnlyTheExternalNamesThatCanStandForAServiceItSees() {
        Map<String, String> objects = new TreeMap<>(ClusterObjects.of(CLUSTER_IP_SERVICES + """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: public-google, namespace: istio-system}
                spec: {hosts: [developers.google.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
                ---
                """ + new Alias("google", "default", "developers.google.com", false).yaml()
                + new Alias("to-db", "otherns", "db.otherns.svc.cluster.local", false).yaml()
                + new Alias("chain", "thirdns", "to-db.otherns.svc.cluster.local", false).yaml()
                + new Alias("loop-a", "default", "loop-b.default.svc.cluster.local", false).yaml()
                + new Alias("loop-b", "default", "loop-a.default.svc.cluster.local", false).yaml()
                + new Alias("nowhere", "default", "unknown.example.net", false).yaml(), "default"));
        WatchedSnapshot full = watched(objects);
        List<String> otherns = sources(full, ProxyRef.Kind.SIDECAR, SIDECARS.get(1));
        assertThat(otherns).contains("cluster:Service/default/google", "cluster:Service/otherns/to-db",
                "cluster:Service/thirdns/chain", "cluster:Service/otherns/db");
        List<String> def = sources(full, ProxyRef.Kind.SIDECAR, SIDECARS.get(0));
        assertThat(def).as("default cannot see otherns' private db, so neither alias of it decides anything there")
                .contains("cluster:Service/default/google")
                .doesNotContain("cluster:Service/otherns/to-db", "cluster:Service/thirdns/chain",
                        "cluster:Service/otherns/db");
        for (WorkloadRef sidecar : SIDECARS) {
            assertThat(sources(full, ProxyRef.Kind.SIDECAR, sidecar)).as("%s: loops and dead ends stand for nothing",
                    sidecar).doesNotContain("cluster:Service/default/loop-a", "cluster:Service/default/loop-b",
                    "cluster:Service/default/nowhere");
        }
        assertThat(sources(full, ProxyRef.Kind.GATEWAY, EgressGatewayIdentity.WORKLOAD))
                .doesNotContain("cluster:Service/otherns/to-db", "cluster:Service/thirdns/chain");
        List<Req> requests = new ArrayList<>();
        for (String host : List.of("google.default.svc.cluster.local", "to-db.otherns.svc.cluster.local",
                "chain.thirdns.svc.cluster.local", "to-db", "chain.thirdns", "loop-a.default.svc.cluster.local",
                "nowhere.default.svc.cluster.local")) {
            requests.add(new Req(Pool.SOURCES.get(0), false, host, 80, "GET", "/"));
            requests.add(new Req(Pool.SOURCES.get(0), true, host, 443, "GET", "/"));
        }
        assertViewsDecideAsTheWhole(objects, requests);
        // the alias is what decides: without it otherns' sidecar cannot reach db by the alias's name
        MeshSnapshot whole = full.snapshot();
        assertThat(outcome(whole.outbound(SIDECARS.get(1), OutboundRequest.http("to-db.otherns.svc.cluster.local", 80,
                new HttpRequestInfo("GET", "to-db.otherns.svc.cluster.local", "/", Map.of())))))
                .contains("db.otherns.svc.cluster.local");
    }

    static List<String> sources(WatchedSnapshot full, ProxyRef.Kind kind, WorkloadRef proxy) {
        return view(full, kind, proxy).resources().stream().map(dev.tollgate.api.config.v1.Resource::getSource).toList();
    }

    /** Each namespace's own ServiceEntry, VirtualService, DestinationRule, exported to itself only; and its pods. */
    static Map<String, String> privateNoise() {
        StringBuilder yaml = new StringBuilder();
        for (String ns : List.of("default", "otherns", "thirdns")) {
            String host = "internal." + ns + ".example.org";
            yaml.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: private-se, namespace: %1$s}
                    spec: {hosts: [%2$s], exportTo: ["."], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: private-vs, namespace: %1$s}
                    spec:
                      hosts: [%2$s]
                      exportTo: ["."]
                      http: [{route: [{destination: {host: %2$s}}], timeout: 3s}]
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: private-dr, namespace: %1$s}
                    spec: {host: %2$s, exportTo: ["."], trafficPolicy: {tls: {mode: SIMPLE}}}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: private-pod, namespace: %1$s, labels: {app: secret}}
                    spec: {serviceAccountName: secret, containers: [{name: app, image: app}]}
                    ---
                    apiVersion: v1
                    kind: Namespace
                    metadata: {name: %1$s}
                    ---
                    """.formatted(ns, host));
        }
        return ClusterObjects.of(yaml.toString(), "default");
    }

    static void assertViewsDecideAsTheWhole(Map<String, String> objects, List<Req> requests) {
        WatchedSnapshot full = watched(objects);
        MeshSnapshot whole = full.snapshot();
        for (WorkloadRef sidecar : SIDECARS) {
            MeshSnapshot scoped = ClusterObjects.compile(ClusterObjects.of(
                    view(full, ProxyRef.Kind.SIDECAR, sidecar).resources()));
            for (Req r : requests) {
                Optional<OutboundRequest> request = outbound(r);
                if (request.isEmpty()) {
                    continue;
                }
                assertThat(outcome(scoped.outbound(sidecar, request.get())))
                        .as("sidecar %s, %s", sidecar, r)
                        .isEqualTo(outcome(whole.outbound(sidecar, request.get())));
            }
        }
        WorkloadRef gw = EgressGatewayIdentity.WORKLOAD;
        MeshSnapshot scoped = ClusterObjects.compile(ClusterObjects.of(view(full, ProxyRef.Kind.GATEWAY, gw).resources()));
        assertThat(scoped.gatewayListeners(gw)).isEqualTo(whole.gatewayListeners(gw));
        for (Req r : requests) {
            for (GatewayRequest g : gatewayRequests(r)) {
                assertThat(scoped.gatewayServerKind(gw, g.port(), g.sni()))
                        .isEqualTo(whole.gatewayServerKind(gw, g.port(), g.sni()));
                assertThat(outcome(scoped.gateway(gw, g))).as("gateway, %s", g)
                        .isEqualTo(outcome(whole.gateway(gw, g)));
            }
        }
    }

    static WatchedSnapshot watched(Map<String, String> objects) {
        Map<String, String> versions = new TreeMap<>();
        objects.keySet().forEach(s -> versions.put(s, "1"));
        return new WatchedSnapshot(1, versions, objects, ClusterObjects.compile(objects));
    }

    static ProxyView view(WatchedSnapshot snapshot, ProxyRef.Kind kind, WorkloadRef proxy) {
        return ProxyView.of(snapshot, kind, proxy);
    }

    /** What a proxy does with a request: refuses it, or forwards it where, how and by which route. */
    static String outcome(Object decision) {
        return switch (decision) {
            case OutboundDecision.Refused r -> "refused";
            case OutboundDecision.Forward f -> "forward " + f.upstream() + (f.viaGateway() ? " via gateway" : "")
                    + " by " + f.route();
            case GatewayDecision.Denied d -> "denied by " + d.policyId();
            case GatewayDecision.NoRoute n -> "no route";
            case GatewayDecision.Forward f -> "forward " + f.upstream() + " by " + f.route() + " path " + f.path();
            default -> throw new AssertionError(decision);
        };
    }

    static Optional<OutboundRequest> outbound(Req r) {
        try {
            return Optional.of(r.https() ? OutboundRequest.tls(r.host(), r.port())
                    : OutboundRequest.http(r.host(), r.port(), new HttpRequestInfo(r.method(), r.authority(), r.path(),
                    Map.of())));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // the proxy refuses it before any configuration is read
        }
    }

    /** What could reach the gateway for this request: with and without the sender's mTLS identity. */
    static List<GatewayRequest> gatewayRequests(Req r) {
        List<GatewayRequest> out = new ArrayList<>();
        Peer peer = new Peer(r.from().principal(), r.from().namespace());
        for (Optional<Peer> p : List.of(Optional.of(peer), Optional.<Peer>empty())) {
            if (r.https()) {
                out.add(new GatewayRequest(443, Optional.of(r.host()), p, Optional.empty(), "", ""));
            } else {
                Optional<HttpRequestInfo> http = Optional.of(new HttpRequestInfo(r.method(), r.authority(), r.path(),
                        Map.of()));
                out.add(new GatewayRequest(80, p.isPresent() ? Optional.of(r.host()) : Optional.empty(), p, http, "", ""));
            }
        }
        return out;
    }

    static Path tutorialTests() {
        Path p = Path.of("examples/tests/tutorial");
        return Files.isDirectory(p) ? p : Path.of("..").resolve(p);
    }

    /** The objects of one tutorial step, read from the {@code -f namespace=file} lines its test names. */
    static Map<String, String> tutorialStep(Path test) throws IOException {
        String text = Files.readString(test);
        Map<String, String> objects = new TreeMap<>();
        Matcher m = Pattern.compile("-f (?:([a-z0-9-]+)=)?(examples/\\S+\\.yaml)").matcher(text);
        Path top = tutorialTests().getParent().getParent();
        while (m.find()) {
            String ns = m.group(1) == null ? "default" : m.group(1);
            objects.putAll(ClusterObjects.of(Files.readString(top.resolve(m.group(2).substring("examples/".length()))),
                    ns));
        }
        Matcher mode = Pattern.compile("outboundTrafficPolicy:\\s*\\n\\s*mode: (\\w+)").matcher(text);
        if (mode.find()) {
            objects.putAll(ClusterObjects.of("""
                    apiVersion: install.istio.io/v1alpha1
                    kind: IstioOperator
                    metadata: {name: installed-state, namespace: istio-system}
                    spec: {meshConfig: {outboundTrafficPolicy: {mode: %s}}}
                    """.formatted(mode.group(1)), "istio-system"));
        }
        assertThat(objects).as("objects of %s", test).isNotEmpty();
        return objects;
    }
}
