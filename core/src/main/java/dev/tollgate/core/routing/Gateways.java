package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.GatewayListener;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Gateways: which of them select a gateway workload, the listeners their servers make (merged by port), and
 * which server takes a connection (by SNI, by port, by Host).
 */
final class Gateways {
    private final List<CompiledGateway> gateways = new ArrayList<>();
    /** Gateway workloads' servers, computed once per label set (a snapshot serves few gateway workloads). */
    private final Map<Map<String, String>, List<GatewayServer>> serversByLabels = new ConcurrentHashMap<>();
    private final Map<LabelsPort, ServersOnPort> serversOnPort = new ConcurrentHashMap<>();

    Gateways(ConfigSet config) {
        int order = 0;
        for (Resource<Gateway> r : config.gateways()) {
            gateways.add(CompiledGateway.compile(r, order++));
        }
    }

    /** The servers of every Gateway whose selector matches {@code gateway}'s labels, in Gateway order. */
    List<GatewayServer> servers(WorkloadRef gateway) {
        return serversByLabels.computeIfAbsent(gateway.labels(), labels -> {
            List<GatewayServer> out = new ArrayList<>();
            for (CompiledGateway g : gateways) {
                if (g.selects(labels)) {
                    out.addAll(g.servers());
                }
            }
            return List.copyOf(out);
        });
    }

    /**
     * True when some Gateway's selector names a workload with these labels. A Gateway without a selector applies to
     * every gateway workload but makes no workload a gateway, so it does not count here.
     */
    boolean selectedByAnyGateway(Map<String, String> labels) {
        return gateways.stream().anyMatch(g -> !g.selector().isEmpty() && g.selects(labels));
    }

    /**
     * Servers merged by port. Istio keeps the first server's protocol for a port; a later server whose protocol
     * conflicts is dropped from the listener.
     */
    List<GatewayListener> listeners(WorkloadRef gateway) {
        Map<Integer, List<GatewayServer>> byPort = new LinkedHashMap<>();
        for (GatewayServer s : servers(gateway)) {
            byPort.computeIfAbsent(s.port(), k -> new ArrayList<>()).add(s);
        }
        List<GatewayListener> out = new ArrayList<>();
        for (var e : byPort.entrySet()) {
            GatewayServer first = e.getValue().get(0);
            List<String> hosts = new ArrayList<>();
            List<dev.tollgate.core.model.ResourceKey> keys = new ArrayList<>();
            for (GatewayServer s : e.getValue()) {
                if (!compatible(first, s)) {
                    continue;
                }
                s.hosts().forEach(h -> {
                    if (!hosts.contains(h.toString())) {
                        hosts.add(h.toString());
                    }
                });
                if (!keys.contains(s.gateway())) {
                    keys.add(s.gateway());
                }
            }
            out.add(new GatewayListener(e.getKey(), first.kind(), hosts, keys));
        }
        return List.copyOf(out);
    }

    private static boolean compatible(GatewayServer a, GatewayServer b) {
        return a.kind().compatibleWith(b.kind());
    }

    /**
     * The server that takes a connection: TLS/HTTPS servers by SNI (exact host first, then the longest wildcard,
     * "*" last; Envoy's server_names), HTTP/TCP servers by port, HTTP servers then by Host.
     */
    ServerSelection selectServer(WorkloadRef gateway, int port, Optional<String> sni,
                                        Optional<String> authorityHost) {
        ServersOnPort index = serversOnPort.computeIfAbsent(new LabelsPort(gateway.labels(), port),
                k -> ServersOnPort.of(servers(gateway), port));
        List<GatewayServer> onPort = index.servers();
        if (onPort.isEmpty()) {
            return new ServerSelection.NoServer("no Gateway selecting " + gateway.namespace() + " workload "
                    + gateway.labels() + " has a server on port " + port);
        }
        boolean byTls = onPort.get(0).kind().selectsBySni();
        Optional<String> key = byTls ? sni.map(HostName::fold) : authorityHost.map(HostName::fold);
        if (!byTls && !onPort.get(0).kind().readsHttp()) {
            GatewayServer s = onPort.get(0);
            return new ServerSelection.Selected(s, s.label() + " takes port " + port);
        }
        GatewayServer best = index.best(key).orElse(null);
        if (best == null) {
            String what = byTls ? "SNI " + sni.orElse("(none)") : "host " + authorityHost.orElse("(none)");
            return new ServerSelection.NoServer("no server on port " + port + " has a host matching " + what
                    + " (hosts " + onPort.stream().flatMap(s -> s.hosts().stream()).map(Object::toString).toList()
                    + ")");
        }
        return new ServerSelection.Selected(best, best.label() + " matches "
                + (byTls ? "SNI " + sni.orElse("(none)") : "host " + authorityHost.orElse("(none)")));
    }

    private record LabelsPort(Map<String, String> labels, int port) {
    }

    /** A server host as a candidate: the best is the highest score, and among equal scores the first written. */
    private record ServerCandidate(GatewayServer server, int score, int ordinal) {
        boolean beats(ServerCandidate other) {
            return other == null || score > other.score || score == other.score && ordinal < other.ordinal;
        }
    }

    /**
     * The servers that share one port of one gateway workload (the first server's kind decides which are
     * compatible), with their hosts indexed so that a connection's SNI or Host is a few map probes instead of a scan
     * of every server: exact names, "*.suffix" wildcards and "*", all normalised once. The answer is the one the
     * scan gives (highest {@link #hostScore}, first written on ties); names the index cannot hold exactly (other
     * wildcard shapes) and keys it would answer differently (wildcards, over-long names) fall back to the scan.
     */
    private record ServersOnPort(List<GatewayServer> servers, boolean scanOnly, Map<String, ServerCandidate> exact,
                                 Map<String, ServerCandidate> wildcards, ServerCandidate star) {
        static ServersOnPort of(List<GatewayServer> all, int port) {
            List<GatewayServer> onPort = new ArrayList<>();
            for (GatewayServer s : all) {
                if (s.port() == port && (onPort.isEmpty() || compatible(onPort.get(0), s))) {
                    onPort.add(s);
                }
            }
            Map<String, ServerCandidate> exact = new HashMap<>();
            Map<String, ServerCandidate> wildcards = new HashMap<>();
            ServerCandidate star = null;
            boolean scanOnly = false;
            int ordinal = 0;
            for (GatewayServer s : onPort) {
                for (GatewayServer.ServerHost h : s.hosts()) {
                    String written = h.dnsName();
                    int at = ordinal++;
                    if (written.equals("*")) {
                        ServerCandidate c = new ServerCandidate(s, 0, at);
                        star = c.beats(star) ? c : star;
                        continue;
                    }
                    String name = HostName.fold(written);
                    if (!HostName.isWildcard(name)) {
                        exact.merge(name, new ServerCandidate(s, Integer.MAX_VALUE, at), (a, b) -> b.beats(a) ? b : a);
                    } else if (name.length() > 2 && name.charAt(1) == '.' && name.indexOf('*', 1) < 0) {
                        wildcards.merge(name, new ServerCandidate(s, written.length(), at), (a, b) -> b.beats(a) ? b : a);
                    } else {
                        scanOnly = true;
                    }
                }
            }
            return new ServersOnPort(List.copyOf(onPort), scanOnly, Map.copyOf(exact), Map.copyOf(wildcards), star);
        }

        /** The server whose host matches {@code key} (normalised) best; a missing key matches only "*". */
        Optional<GatewayServer> best(Optional<String> key) {
            if (scanOnly || key.isPresent() && (HostName.isWildcard(key.get()) || key.get().length() > HostName.MAX_LENGTH)) {
                return scan(key);
            }
            ServerCandidate best = star;
            if (key.isPresent()) {
                String host = key.get();
                ServerCandidate c = exact.get(host);
                if (c != null && c.beats(best)) {
                    best = c;
                }
                for (int i = host.indexOf('.'); i >= 0 && !wildcards.isEmpty(); i = host.indexOf('.', i + 1)) {
                    c = wildcards.get("*" + host.substring(i));
                    if (c != null && c.beats(best)) {
                        best = c;
                    }
                }
            }
            return Optional.ofNullable(best).map(ServerCandidate::server);
        }

        private Optional<GatewayServer> scan(Optional<String> key) {
            GatewayServer best = null;
            int bestScore = -1;
            for (GatewayServer s : servers) {
                for (GatewayServer.ServerHost h : s.hosts()) {
                    int score = hostScore(h.dnsName(), key);
                    if (score > bestScore) {
                        best = s;
                        bestScore = score;
                    }
                }
            }
            return Optional.ofNullable(best);
        }
    }

    /** -1: no match; 0: "*"; wildcard: its length; exact: max. A missing SNI/host matches only "*". */
    private static int hostScore(String pattern, Optional<String> host) {
        if (pattern.equals("*")) {
            return 0;
        }
        if (host.isEmpty() || !HostPattern.matches(pattern, host.get())) {
            return -1;
        }
        return HostName.isWildcard(pattern) ? pattern.length() : Integer.MAX_VALUE;
    }

    /** Every Gateway, and whether it selects {@code gateway}. */
    List<Consideration> explainGateways(WorkloadRef gateway) {
        List<Consideration> out = new ArrayList<>();
        for (CompiledGateway g : gateways) {
            boolean sel = g.selects(gateway.labels());
            out.add(new Consideration(Stage.SERVER, g.resource().key(), sel, sel ? "selector " + g.selector()
                    + " matches the gateway workload's labels" : "selector " + g.selector()
                    + " does not match the gateway workload's labels " + gateway.labels(), g.resource().origin()));
        }
        return out;
    }
}
