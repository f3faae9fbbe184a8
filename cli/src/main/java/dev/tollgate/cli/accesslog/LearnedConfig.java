package dev.tollgate.cli.accesslog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.net.IpAddress;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The smallest Istio configuration that allows the observed requests: a ServiceEntry per host (the ports and
 * protocols seen, exported only to the namespaces whose workloads used it) and, routed through the egress gateway,
 * the tutorial's Gateway, DestinationRule and VirtualService shapes and ALLOW AuthorizationPolicies at the gateway
 * for exactly the principals (and methods, and SNI) seen. Each host's resources come out as one YAML text.
 */
public final class LearnedConfig {
    static final String NAMESPACE = EgressGatewayIdentity.NAMESPACE;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.SPLIT_LINES));

    /** One host's resources, named after it, and what about it could not be expressed. */
    public record HostConfig(String host, String name, String yaml) {
    }

    /** @param notes what was left out, for the header */
    public record Learned(List<HostConfig> hosts, List<String> notes) {
    }

    private enum Kind { HTTP, TLS, TCP }

    /** What was seen of one host. */
    private static final class Seen {
        final Map<Integer, Kind> ports = new TreeMap<>();
        final Set<String> namespaces = new TreeSet<>();
        /** HTTP: principal -> methods, and principal -> ports. */
        final Map<String, Set<String>> http = new TreeMap<>();
        final Map<String, Set<Integer>> httpPorts = new TreeMap<>();
        /** TLS: principal -> ports. */
        final Map<String, Set<Integer>> tls = new TreeMap<>();
    }

    private LearnedConfig() {
    }

    public static Learned learn(List<ObservedRequest> requests, boolean gateway) {
        Map<String, Seen> hosts = new TreeMap<>();
        List<String> notes = new ArrayList<>();
        Set<String> noted = new HashSet<>();
        for (ObservedRequest r : requests) {
            Source s = r.source().orElseThrow();
            if (IpAddress.isLiteral(r.host())) {
                if (noted.add(r.host())) {
                    notes.add(r.where() + ": " + r.url() + " names an address, not a host: a ServiceEntry for it "
                            + "needs addresses and endpoints, written by hand");
                }
                continue;
            }
            Kind kind = switch (r.scheme()) {
                case "http" -> Kind.HTTP;
                case "https" -> Kind.TLS;
                default -> Kind.TCP;
            };
            Seen seen = hosts.computeIfAbsent(r.host(), h -> new Seen());
            Kind declared = seen.ports.putIfAbsent(r.port(), kind);
            if (declared != null && declared != kind) {
                if (noted.add(r.host() + ":" + r.port() + kind)) {
                    notes.add(r.where() + ": " + r.url() + " is " + kind + " on a port first seen as " + declared
                            + ": a ServiceEntry port has one protocol, so it stays " + declared);
                }
                continue;
            }
            seen.namespaces.add(s.namespace());
            switch (kind) {
                case HTTP -> {
                    seen.http.computeIfAbsent(s.principal(), p -> new TreeSet<>()).add(r.method());
                    seen.httpPorts.computeIfAbsent(s.principal(), p -> new TreeSet<>()).add(r.port());
                }
                case TLS -> seen.tls.computeIfAbsent(s.principal(), p -> new TreeSet<>()).add(r.port());
                case TCP -> {
                    if (gateway && noted.add("tcp " + r.host() + ":" + r.port())) {
                        notes.add(r.where() + ": " + r.url() + " is plain TCP: it goes straight out (the egress "
                                + "gateway needs TLS or HTTP to tell hosts apart)");
                    }
                }
            }
        }
        List<HostConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map.Entry<String, Seen> e : hosts.entrySet()) {
            String name = name(e.getKey(), names);
            List<Map<String, Object>> docs = new ArrayList<>();
            Set<String> exportTo = new TreeSet<>(e.getValue().namespaces);
            boolean routed = gateway && e.getValue().ports.values().stream().anyMatch(k -> k != Kind.TCP);
            if (routed) {
                exportTo.add(NAMESPACE);
            }
            docs.add(serviceEntry(e.getKey(), name, e.getValue(), exportTo));
            if (routed) {
                docs.addAll(gatewayRouting(e.getKey(), name, e.getValue(), exportTo));
            }
            out.add(new HostConfig(e.getKey(), name, yaml(docs)));
        }
        return new Learned(out, notes);
    }

    private static Map<String, Object> serviceEntry(String host, String name, Seen seen, Set<String> exportTo) {
        List<Object> ports = new ArrayList<>();
        seen.ports.forEach((port, kind) -> ports.add(map("number", port, "name",
                kind.name().toLowerCase(java.util.Locale.ROOT) + "-" + port, "protocol", kind.name())));
        return resource("networking.istio.io/v1beta1", "ServiceEntry", name, map(
                "hosts", List.of(host), "exportTo", List.copyOf(exportTo), "location", "MESH_EXTERNAL",
                "ports", ports, "resolution", "DNS"));
    }

    /** The shapes of examples/tutorial/external-*.yaml, without TLS origination: each port goes out as it came. */
    private static List<Map<String, Object>> gatewayRouting(String host, String name, Seen seen, Set<String> exportTo) {
        String gatewayName = name + "-egressgateway";
        String service = EgressGatewayIdentity.SERVICE_HOST;
        List<Object> servers = new ArrayList<>();
        List<Object> portSettings = new ArrayList<>();
        List<Object> http = new ArrayList<>();
        List<Object> tls = new ArrayList<>();
        List<Object> tcp = new ArrayList<>();
        seen.ports.forEach((port, kind) -> {
            if (kind == Kind.TCP) {
                return;
            }
            boolean h = kind == Kind.HTTP;
            servers.add(map("port", map("number", port, "name", (h ? "https-" : "tls-") + port,
                    "protocol", h ? "HTTPS" : "TLS"), "hosts", List.of(host), "tls", map("mode", "ISTIO_MUTUAL")));
            portSettings.add(map("port", map("number", port), "tls", map("mode", "ISTIO_MUTUAL", "sni", host)));
            Map<String, Object> toGateway = map("destination", map("host", service, "subset", name,
                    "port", map("number", port)));
            Map<String, Object> out = map("destination", map("host", host, "port", map("number", port)));
            if (h) {
                http.add(map("match", List.of(map("gateways", List.of("mesh"), "port", port)),
                        "route", List.of(toGateway)));
                http.add(map("match", List.of(map("gateways", List.of(gatewayName), "port", port)),
                        "route", List.of(out)));
            } else {
                tls.add(map("match", List.of(map("gateways", List.of("mesh"), "port", port,
                        "sniHosts", List.of(host))), "route", List.of(toGateway)));
                tcp.add(map("match", List.of(map("gateways", List.of(gatewayName), "port", port)),
                        "route", List.of(out)));
            }
        });
        List<Map<String, Object>> docs = new ArrayList<>();
        docs.add(resource("networking.istio.io/v1beta1", "Gateway", gatewayName, map(
                "selector", map("istio", "egressgateway"), "servers", servers)));
        docs.add(resource("networking.istio.io/v1beta1", "DestinationRule", "egressgateway-for-" + name, map(
                "host", service, "exportTo", List.copyOf(exportTo), "subsets", List.of(map("name", name,
                        "trafficPolicy", map("portLevelSettings", portSettings))))));
        Map<String, Object> vs = map("hosts", List.of(host), "gateways", List.of(gatewayName, "mesh"),
                "exportTo", List.copyOf(exportTo));
        if (!http.isEmpty()) {
            vs.put("http", http);
        }
        if (!tls.isEmpty()) {
            vs.put("tls", tls);
            vs.put("tcp", tcp);
        }
        docs.add(resource("networking.istio.io/v1beta1", "VirtualService", "direct-" + name
                + "-through-egress-gateway", vs));
        // one rule per principal, with its own ports: at the gateway an HTTP request inside mTLS has an SNI too, so
        // a TLS rule without ports would let the same principal send any HTTP method
        List<Object> rules = new ArrayList<>();
        seen.http.forEach((principal, methods) -> rules.add(map(
                "from", List.of(map("source", map("principals", List.of(principal)))),
                "to", List.of(map("operation", map("hosts", hostHeaders(host, seen.httpPorts.get(principal)),
                        "ports", ports(seen.httpPorts.get(principal)), "methods", List.copyOf(methods)))))));
        seen.tls.forEach((principal, ports) -> rules.add(map(
                "from", List.of(map("source", map("principals", List.of(principal)))),
                "to", List.of(map("operation", map("ports", ports(ports)))),
                "when", List.of(map("key", "connection.sni", "values", List.of(host))))));
        docs.add(resource("security.istio.io/v1beta1", "AuthorizationPolicy", "allow-" + name, map(
                "selector", map("matchLabels", map("istio", "egressgateway")), "action", "ALLOW", "rules", rules)));
        return docs;
    }

    /** The Host header values a client sends: the port is written when it is not HTTP's 80. */
    private static List<String> hostHeaders(String host, Set<Integer> ports) {
        return ports.stream().map(p -> p == 80 ? host : host + ":" + p).distinct().toList();
    }

    /** AuthorizationPolicy writes ports as strings. */
    private static List<String> ports(Set<Integer> ports) {
        return ports.stream().map(String::valueOf).toList();
    }

    private static Map<String, Object> resource(String apiVersion, String kind, String name, Map<String, Object> spec) {
        return map("apiVersion", apiVersion, "kind", kind, "metadata", map("name", name, "namespace", NAMESPACE),
                "spec", spec);
    }

    /** A Kubernetes name from a host: lower-case letters, digits and '-', unique among those given out. */
    static String name(String host, Set<String> taken) {
        String base = host.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (base.length() > 40) {
            base = base.substring(0, 40).replaceAll("-+$", "");
        }
        if (base.isEmpty()) {
            base = "host";
        }
        String name = base;
        for (int i = 2; !taken.add(name); i++) {
            name = base + "-" + i;
        }
        return name;
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String yaml(List<Map<String, Object>> docs) {
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> d : docs) {
            try {
                b.append(b.isEmpty() ? "" : "---\n").append(YAML.writeValueAsString(d));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return b.toString();
    }
}
