package dev.tollgate.cli.differential;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One generated mesh configuration, in the shapes of the tutorial and istio.io's egress tasks, rendered as the YAML
 * both {@code check} and the proxies read. {@link #toString()} is that YAML, so a failing sample prints as a file
 * one can save and run {@code tollgate check -f} on.
 */
record World(Optional<String> meshMode, List<Se> entries, Optional<SidecarRes> sidecar, List<Route> routes,
             List<Policy> policies) {

    /** A ServiceEntry: {@code tlsProtocol} is what ports 443/8443 declare (HTTPS, TLS or TCP); 80/8080 are HTTP. */
    record Se(String namespace, List<String> hosts, List<Integer> ports, String tlsProtocol, Optional<String> exportTo,
              List<String> addresses) {
    }

    /** A Sidecar resource; {@code selectorApp} selects workloads by their app label (= service account here). */
    record SidecarRes(String namespace, Optional<String> mode, List<String> egressHosts, Optional<String> selectorApp) {
    }

    /** How a host is sent through the egress gateway; each is one of istio.io's egress gateway recipes. */
    enum RouteKind {
        /** Tutorial part B, HTTP: mTLS to a gateway HTTPS ISTIO_MUTUAL server on 80, TLS origination to host:443. */
        HTTP_ORIGINATE,
        /** istio.io "Egress gateway for HTTP traffic": plain HTTP to a gateway HTTP server on 80, on to host:80. */
        HTTP_PLAIN,
        /** Tutorial part B, HTTPS: the app's TLS inside mTLS to a gateway TLS ISTIO_MUTUAL server on 443. */
        TLS_MUTUAL,
        /** istio.io "Egress gateway for HTTPS traffic": a gateway TLS PASSTHROUGH server on 443. */
        TLS_PASSTHROUGH,
        /** istio.io "Egress using Wildcard Hosts": an HTTPS server with tls PASSTHROUGH (issue 7, disagreement 1). */
        HTTPS_PASSTHROUGH;

        boolean http() {
            return this == HTTP_ORIGINATE || this == HTTP_PLAIN;
        }

        boolean mutual() {
            return this == HTTP_ORIGINATE || this == TLS_MUTUAL;
        }
    }

    /**
     * @param narrow the gateway's side of the VirtualService matches less than its Gateway server admits (HTTP: only
     *               paths under /api; wildcard passthrough: only the destination's SNI), so some requests find no
     *               route at the gateway
     */
    record Route(RouteKind kind, String host, boolean narrow) {
        Route(RouteKind kind, String host) {
            this(kind, host, false);
        }

        /** Where the gateway sends a passthrough wildcard: one concrete host, as the wildcard task does. */
        String destination() {
            return host.startsWith("*.") ? "www." + host.substring(2) : host;
        }
    }

    record Policy(String action, boolean selector, List<Rule> rules) {
    }

    /** One rule; an absent part matches anything, as in Istio. */
    record Rule(Optional<SourceMatch> from, Optional<Op> to, List<String> sni) {
    }

    /** {@code field} is namespaces, notNamespaces or principals. */
    record SourceMatch(String field, List<String> values) {
    }

    record Op(List<String> hosts, List<String> methods, List<String> paths, List<String> ports) {
        boolean empty() {
            return hosts.isEmpty() && methods.isEmpty() && paths.isEmpty() && ports.isEmpty();
        }
    }

    String yaml() {
        List<String> docs = new ArrayList<>();
        meshMode.ifPresent(m -> docs.add("""
                apiVersion: install.istio.io/v1alpha1
                kind: IstioOperator
                metadata:
                  name: installed-state
                  namespace: istio-system
                spec:
                  meshConfig:
                    outboundTrafficPolicy:
                      mode: %s
                """.formatted(m)));
        for (int i = 0; i < entries.size(); i++) {
            docs.add(serviceEntry("se-" + i, entries.get(i)));
        }
        sidecar.ifPresent(s -> docs.add(sidecar(s)));
        for (int i = 0; i < routes.size(); i++) {
            docs.addAll(route(i, routes.get(i)));
        }
        for (int i = 0; i < policies.size(); i++) {
            docs.add(policy("policy-" + i, policies.get(i)));
        }
        if (docs.isEmpty()) {
            // a world with nothing configured is Istio's defaults; a file of no objects is an error (issue 10)
            docs.add("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system");
        }
        return docs.stream().map(String::strip).collect(Collectors.joining("\n---\n", "", "\n"));
    }

    @Override
    public String toString() {
        return "\n" + yaml();
    }

    static String list(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    private static String protocol(int port, String tlsProtocol) {
        return port == 80 || port == 8080 ? "HTTP" : tlsProtocol;
    }

    private static String serviceEntry(String name, Se se) {
        StringBuilder b = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  hosts: %s
                  location: MESH_EXTERNAL
                  resolution: %s
                  ports:
                """.formatted(name, se.namespace(), list(se.hosts()),
                se.hosts().stream().anyMatch(h -> h.startsWith("*")) || se.addresses().stream().anyMatch(
                        a -> a.contains("/")) ? "NONE" : "DNS"));
        for (int p : se.ports()) {
            String proto = protocol(p, se.tlsProtocol());
            b.append("  - {number: ").append(p).append(", name: ").append(proto.toLowerCase()).append('-').append(p)
                    .append(", protocol: ").append(proto).append("}\n");
        }
        se.exportTo().ifPresent(e -> b.append("  exportTo: [\"").append(e).append("\"]\n"));
        if (!se.addresses().isEmpty()) {
            b.append("  addresses: ").append(list(se.addresses())).append('\n');
        }
        return b.toString();
    }

    private static String sidecar(SidecarRes s) {
        StringBuilder b = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata:
                  name: sidecar
                  namespace: %s
                spec:
                """.formatted(s.namespace()));
        s.selectorApp().ifPresent(app -> b.append("  workloadSelector:\n    labels:\n      app: ").append(app).append('\n'));
        s.mode().ifPresent(m -> b.append("  outboundTrafficPolicy:\n    mode: ").append(m).append('\n'));
        if (!s.egressHosts().isEmpty()) {
            b.append("  egress:\n  - hosts: ").append(list(s.egressHosts())).append('\n');
        }
        return b.toString();
    }

    private static List<String> route(int i, Route r) {
        RouteKind k = r.kind();
        String h = r.host();
        String gw = "egw-" + i;
        List<String> out = new ArrayList<>();
        String sePorts = k.http()
                ? "  - {number: 80, name: http, protocol: HTTP}\n  - {number: 443, name: https, protocol: HTTPS}\n"
                : k == RouteKind.HTTPS_PASSTHROUGH ? "  - {number: 443, name: https, protocol: HTTPS}\n"
                : "  - {number: 443, name: tls, protocol: TLS}\n";
        out.add("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: route-se-%d
                  namespace: istio-system
                spec:
                  hosts: ["%s"]
                  resolution: %s
                  ports:
                %s""".formatted(i, h, h.startsWith("*") ? "NONE" : "DNS", sePorts));
        int port = k.http() ? 80 : 443;
        String server = switch (k) {
            case HTTP_ORIGINATE -> "protocol: HTTPS}\n    tls: {mode: ISTIO_MUTUAL}";
            case HTTP_PLAIN -> "protocol: HTTP}";
            case TLS_MUTUAL -> "protocol: TLS}\n    tls: {mode: ISTIO_MUTUAL}";
            case TLS_PASSTHROUGH -> "protocol: TLS}\n    tls: {mode: PASSTHROUGH}";
            case HTTPS_PASSTHROUGH -> "protocol: HTTPS}\n    tls: {mode: PASSTHROUGH}";
        };
        out.add("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: %s
                  namespace: istio-system
                spec:
                  selector:
                    istio: egressgateway
                  servers:
                  - port: {number: %d, name: p%d-%d, %s
                    hosts: ["%s"]
                """.formatted(gw, port, port, i, server, h));
        String subset = k.mutual()
                ? """
                  - name: s%d
                    trafficPolicy:
                      portLevelSettings:
                      - port: {number: %d}
                        tls: {mode: ISTIO_MUTUAL, sni: "%s"}
                """.formatted(i, port, h)
                : "  - name: s" + i + "\n";
        out.add("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: egressgateway-for-%d
                  namespace: istio-system
                spec:
                  host: %s
                  subsets:
                %s""".formatted(i, Pool.GW_HOST, subset));
        String toGateway = "  route:\n  - destination:\n      host: " + Pool.GW_HOST + "\n      subset: s" + i
                + "\n      port: {number: " + port + "}\n";
        String gatewaySide = "  route:\n  - destination:\n      host: \"" + (k.http() ? h : r.destination())
                + "\"\n      port: {number: " + (k == RouteKind.HTTP_PLAIN ? 80 : 443) + "}\n";
        String body = switch (k) {
            case HTTP_ORIGINATE, HTTP_PLAIN -> "http:\n- match:\n  - gateways: [mesh]\n    port: 80\n" + toGateway
                    + "- match:\n  - gateways: [" + gw + "]\n    port: 80\n"
                    + (r.narrow() ? "    uri: {prefix: \"/api\"}\n" : "") + gatewaySide;
            case TLS_MUTUAL -> "tls:\n- match:\n  - gateways: [mesh]\n    port: 443\n    sniHosts: [\"" + h + "\"]\n"
                    + toGateway + "tcp:\n- match:\n  - gateways: [" + gw + "]\n    port: 443\n" + gatewaySide;
            case TLS_PASSTHROUGH, HTTPS_PASSTHROUGH -> "tls:\n- match:\n  - gateways: [mesh]\n    port: 443\n"
                    + "    sniHosts: [\"" + h + "\"]\n" + toGateway + "- match:\n  - gateways: [" + gw + "]\n"
                    + "    port: 443\n    sniHosts: [\"" + (r.narrow() ? r.destination() : h) + "\"]\n" + gatewaySide;
        };
        out.add("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: via-egress-gateway-%d
                  namespace: istio-system
                spec:
                  hosts: ["%s"]
                  gateways: [%s, mesh]
                %s""".formatted(i, h, gw, body.indent(2)));
        if (k == RouteKind.HTTP_ORIGINATE) {
            out.add("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata:
                      name: originate-tls-%d
                      namespace: istio-system
                    spec:
                      host: "%s"
                      trafficPolicy:
                        portLevelSettings:
                        - port: {number: 443}
                          tls: {mode: SIMPLE}
                    """.formatted(i, h));
        }
        return out;
    }

    private static String policy(String name, Policy p) {
        StringBuilder b = new StringBuilder("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: %s
                  namespace: istio-system
                spec:
                """.formatted(name));
        if (p.selector()) {
            b.append("  selector:\n    matchLabels:\n      istio: egressgateway\n");
        }
        if (p.rules().isEmpty() && p.action().equals("ALLOW")) {
            if (!p.selector()) {
                return b.toString().replace("spec:\n", "spec: {}\n");
            }
            return b.toString();
        }
        b.append("  action: ").append(p.action()).append("\n  rules:\n");
        for (Rule r : p.rules()) {
            if (r.from().isEmpty() && r.to().map(Op::empty).orElse(true) && r.sni().isEmpty()) {
                b.append("  - {}\n");
                continue;
            }
            String lead = "  - ";
            if (r.from().isPresent()) {
                SourceMatch s = r.from().get();
                b.append(lead).append("from:\n    - source:\n        ").append(s.field()).append(": ")
                        .append(list(s.values())).append('\n');
                lead = "    ";
            }
            if (r.to().isPresent() && !r.to().get().empty()) {
                Op o = r.to().get();
                b.append(lead).append("to:\n    - operation:\n");
                if (!o.hosts().isEmpty()) {
                    b.append("        hosts: ").append(list(o.hosts())).append('\n');
                }
                if (!o.methods().isEmpty()) {
                    b.append("        methods: ").append(list(o.methods())).append('\n');
                }
                if (!o.paths().isEmpty()) {
                    b.append("        paths: ").append(list(o.paths())).append('\n');
                }
                if (!o.ports().isEmpty()) {
                    b.append("        ports: ").append(list(o.ports())).append('\n');
                }
                lead = "    ";
            }
            if (!r.sni().isEmpty()) {
                b.append(lead).append("when:\n    - key: connection.sni\n      values: ").append(list(r.sni()))
                        .append('\n');
            }
        }
        return b.toString();
    }
}
