package dev.tollgate.core.routing;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.core.testing.TestConfig;

import java.util.List;
import java.util.Map;

/**
 * One conformance case: the Istio documentation statement it checks, configuration YAML (applied in
 * {@code default} unless a document names its namespace), a request from a workload, and a fragment the decision's
 * one-line summary must contain.
 */
record RoutingCase(String doc, String yaml, MeshSettings mesh, WorkloadRef from, OutboundRequest request,
                   String expect) {

    static final WorkloadRef SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));
    static final WorkloadRef OTHER = new WorkloadRef("otherns", "sleep", Map.of("app", "sleep"));

    /** A ServiceEntry in istio-system (exported everywhere) for the hosts the cases route. */
    static final String REGISTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ext, namespace: istio-system}
            spec:
              hosts: [a.example.com, b.example.com, c.example.com]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 443, name: tls, protocol: TLS}
              - {number: 9000, name: tcp, protocol: TCP}
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: single, namespace: istio-system}
            spec:
              hosts: [single.example.com]
              ports: [{number: 8443, name: tls, protocol: TLS}]
              resolution: STATIC
              endpoints: [{address: 192.0.2.10}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ip, namespace: istio-system}
            spec:
              hosts: [db.example.com]
              addresses: [10.1.2.3]
              ports: [{number: 5432, name: tcp, protocol: TCP}]
              resolution: STATIC
              endpoints: [{address: 10.1.2.3}]
            """;

    RoutingCase(String doc, String yaml, WorkloadRef from, OutboundRequest request, String expect) {
        this(doc, yaml, MeshSettings.DEFAULTS, from, request, expect);
    }

    static OutboundRequest http(String host, String method, String path, Map<String, List<String>> headers) {
        return OutboundRequest.http(host, 80, new HttpRequestInfo(method, host, path, headers));
    }

    static OutboundRequest get(String host, String path) {
        return http(host, "GET", path, Map.of());
    }

    MeshSnapshot snapshot() {
        return SnapshotCompiler.compile(TestConfig.create().mesh(mesh).apply("default", REGISTRY)
                .apply("default", yaml).build());
    }

    /** {@code forward <route> -> host:port tls=MODE sni=... gw=bool}, or {@code <outcome>: <reason>}. */
    String summary() {
        MeshSnapshot s = snapshot();
        OutboundDecision d = s.outbound(from, request);
        if (d instanceof OutboundDecision.Forward f) {
            return "forward " + f.route() + " -> " + f.upstream().host() + ":" + f.upstream().port() + " tls="
                    + f.upstream().tls().mode() + " sni=" + f.upstream().tls().sni().orElse("-") + " gw="
                    + f.viaGateway() + " addresses=" + f.upstream().addresses() + " sans="
                    + f.upstream().tls().subjectAltNames() + " ca=" + f.upstream().tls().caCertificates().orElse("-")
                    + " | " + String.join(" | ", f.trace().stream().map(h -> h.detail()).toList());
        }
        CheckResult r = s.check(from, request);
        return r.outcome() + ": " + r.reason();
    }

    @Override
    public String toString() {
        return doc;
    }
}
