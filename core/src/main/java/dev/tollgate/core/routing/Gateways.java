package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
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
    private final Map<LabelsPort, PortServers> serversOnPort = new ConcurrentHashMap<>();

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

    /** Every Gateway's servers (those with a port), in Gateway order, whichever workloads they select: for analyze. */
    List<GatewayServer> allServers() {
        return gateways.stream().flatMap(g -> g.servers().stream()).toList();
    }

    /** Whether a Gateway {@code ns/name}, as VirtualServices name it, exists. */
    boolean defines(String gatewayName) {
        return gateways.stream().anyMatch(g -> (g.resource().namespace() + "/" + g.resource().name())
                .equals(gatewayName));
    }

    /**
     * True when some Gateway's selector names a workload with these labels. A Gateway without a selector applies to
     * every gateway workload but makes no workload a gateway, so it does not count here.
     */
    boolean selectedByAnyGateway(Map<String, String> labels) {
        return gateways.stream().anyMatch(g -> !g.selector().isEmpty() && g.selects(labels));
    }

    /** Servers merged by port, as Istio's mergeGateways keeps them ({@link GatewayPortMerge}). */
    List<GatewayListener> listeners(WorkloadRef gateway) {
        Map<Integer, List<GatewayServer>> byPort = new LinkedHashMap<>();
        for (GatewayServer s : servers(gateway)) {
            byPort.computeIfAbsent(s.port(), k -> new ArrayList<>()).add(s);
        }
        List<GatewayListener> out = new ArrayList<>();
        for (var e : byPort.entrySet()) {
            List<String> hosts = new ArrayList<>();
            List<dev.tollgate.core.model.ResourceKey> keys = new ArrayList<>();
            List<GatewayServerKind> kinds = new ArrayList<>();
            List<GatewayServer> kept = GatewayPortMerge.kept(e.getValue());
            for (GatewayServer s : kept) {
                s.hosts().forEach(h -> {
                    if (!hosts.contains(h.toString())) {
                        hosts.add(h.toString());
                    }
                });
                if (!keys.contains(s.gateway())) {
                    keys.add(s.gateway());
                }
                if (!kinds.contains(s.kind())) {
                    kinds.add(s.kind());
                }
            }
            out.add(new GatewayListener(e.getKey(), kept.get(0).kind(), hosts, keys, kinds));
        }
        return List.copyOf(out);
    }

    /**
     * The server that takes a connection, as Envoy picks the listener's filter chain and then the virtual host: a
     * TLS server by SNI (exact host first, then the longest wildcard, "*" last; Envoy's server_names); else the
     * port's plain servers (their chains have no server_names, so they take a connection whose SNI no TLS server
     * names, or which has none), TCP by port and HTTP by Host; a port with only TLS servers takes a connection
     * without SNI only on a "*" server.
     */
    ServerSelection selectServer(WorkloadRef gateway, int port, Optional<String> sni,
                                 Optional<String> authorityHost) {
        PortServers index = portServers(gateway, port);
        if (index.tls().servers().isEmpty() && index.plain().servers().isEmpty()) {
            return new ServerSelection.NoServer("no Gateway selecting " + gateway.namespace() + " workload "
                    + gateway.labels() + " has a server on port " + port);
        }
        Optional<GatewayServer> bySni = sniChain(index, sni);
        if (bySni.isPresent()) {
            return new ServerSelection.Selected(bySni.get(), bySni.get().label() + " matches SNI "
                    + sni.orElse("(none)"));
        }
        List<GatewayServer> plain = index.plain().servers();
        if (plain.isEmpty()) {
            return new ServerSelection.NoServer("no server on port " + port + " has a host matching SNI "
                    + sni.orElse("(none)") + " (hosts " + index.tls().servers().stream()
                    .flatMap(s -> s.hosts().stream()).map(Object::toString).toList() + ")");
        }
        if (!plain.get(0).kind().readsHttp()) {
            return new ServerSelection.Selected(plain.get(0), plain.get(0).label() + " takes port " + port);
        }
        GatewayServer best = index.plain().best(authorityHost.map(HostName::fold)).orElse(null);
        if (best == null) {
            return new ServerSelection.NoServer("no server on port " + port + " has a host matching host "
                    + authorityHost.orElse("(none)") + " (hosts " + plain.stream().flatMap(s -> s.hosts().stream())
                    .map(Object::toString).toList() + ")");
        }
        return new ServerSelection.Selected(best, best.label() + " matches host " + authorityHost.orElse("(none)"));
    }

    /**
     * The kind of server whose filter chain takes a connection on {@code port} with this SNI (empty: no ClientHello,
     * or one without SNI): the first step of {@link #selectServer}, all a proxy needs to know before it reads HTTP.
     */
    Optional<GatewayServerKind> connectionKind(WorkloadRef gateway, int port, Optional<String> sni) {
        PortServers index = portServers(gateway, port);
        return sniChain(index, sni).map(GatewayServer::kind)
                .or(() -> index.plain().servers().stream().findFirst().map(GatewayServer::kind));
    }

    /** The plain servers of {@code port}: they share one HTTP route configuration (gateway.go gatewayRDSRouteName). */
    List<GatewayServer> plainServers(WorkloadRef gateway, int port) {
        return portServers(gateway, port).plain().servers();
    }

    /** The TLS server whose chain Envoy picks by SNI; empty for the plain chain (or none). */
    private static Optional<GatewayServer> sniChain(PortServers index, Optional<String> sni) {
        if (sni.isEmpty() && !index.plain().servers().isEmpty()) {
            return Optional.empty();
        }
        return index.tls().best(sni.map(HostName::fold));
    }

    private PortServers portServers(WorkloadRef gateway, int port) {
        return serversOnPort.computeIfAbsent(new LabelsPort(gateway.labels(), port),
                k -> PortServers.of(servers(gateway), port));
    }

    /** The servers kept on one port, split into the SNI-matched (TLS) ones and the plain ones, each indexed. */
    private record PortServers(ServersOnPort tls, ServersOnPort plain) {
        static PortServers of(List<GatewayServer> all, int port) {
            List<GatewayServer> kept = GatewayPortMerge.kept(all.stream().filter(s -> s.port() == port).toList());
            return new PortServers(ServersOnPort.of(kept.stream().filter(s -> s.kind().selectsBySni()).toList()),
                    ServersOnPort.of(kept.stream().filter(s -> !s.kind().selectsBySni()).toList()));
        }
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
     * Servers of one port of one gateway workload that are matched alike (the TLS ones by SNI, or the plain ones
     * by Host), with their hosts indexed so that a connection's SNI or Host is a few map probes instead of a scan
     * of every server: exact names, "*.suffix" wildcards and "*", all normalised once. The answer is the one the
     * scan gives (highest {@link #hostScore}, first written on ties); names the index cannot hold exactly (other
     * wildcard shapes) and keys it would answer differently (wildcards, over-long names) fall back to the scan.
     */
    private record ServersOnPort(List<GatewayServer> servers, boolean scanOnly, Map<String, ServerCandidate> exact,
                                 Map<String, ServerCandidate> wildcards, ServerCandidate star) {
        static ServersOnPort of(List<GatewayServer> onPort) {
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
