package dev.tollgate.bench;

import dev.tollgate.core.authz.AuthzRequest;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.Peer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Precomputed requests against a {@link SyntheticMesh}, {@value #N} of each kind, spread over many namespaces and
 * hosts, so that a benchmark cycles through different answers instead of repeating one (which would only measure a
 * warm cache line and a trained branch predictor). Built with a fixed seed: every run asks the same questions.
 */
public final class Traffic {
    public static final int N = 1024;
    public static final int MASK = N - 1;

    /** A sidecar's question: who asks for what. */
    public record Outbound(WorkloadRef from, OutboundRequest request) {
    }

    /** The registry-only question (no routing): the scope's lookup of host:port. */
    public record Lookup(WorkloadRef from, String host, int port) {
    }

    /** A connection at the gateway, and the same connection as the authorizer sees it. */
    public record AtGateway(GatewayRequest request, AuthzRequest authz) {
    }

    /**
     * A known host declared in (or exported to) the client's namespace, by its own name or a wildcard's; half over
     * TLS on 443, half plain HTTP GET on 80.
     */
    public final Outbound[] knownDirect = new Outbound[N];
    /** {@link #knownDirect}'s hosts over TLS: {@code tls://name:443}. */
    public final Outbound[] knownTls = new Outbound[N];
    /** {@link #knownDirect}'s hosts over plain HTTP: {@code GET http://name/}. */
    public final Outbound[] knownHttp = new Outbound[N];
    /** A host routed through the egress gateway by the tutorial's VirtualService + DestinationRule. */
    public final Outbound[] viaGateway = new Outbound[N];
    /** A host no ServiceEntry declares: REGISTRY_ONLY refuses it. */
    public final Outbound[] unknown = new Outbound[N];
    /** A host declared only privately (exportTo ".") in another namespace: refused as well. */
    public final Outbound[] hidden = new Outbound[N];
    /** All four kinds interleaved. */
    public final Outbound[] mixed = new Outbound[N];
    /** The registry lookups of {@link #mixed}. */
    public final Lookup[] lookups = new Lookup[N];
    /** Connections from a namespace the host's ALLOW policy names. */
    public final AtGateway[] gatewayAllowed = new AtGateway[N];
    /** Connections from a namespace no ALLOW policy names for the host (or one a DENY names). */
    public final AtGateway[] gatewayDenied = new AtGateway[N];
    /** Allowed and denied interleaved. */
    public final AtGateway[] gatewayMixed = new AtGateway[N];

    public Traffic(SyntheticMesh mesh) {
        SplittableRandom random = new SplittableRandom(42);
        // a stream of its own, so the gateway connections are the same whatever the number of other entries: the
        // authorizer evaluates rules in order, and a different pick would move where the matching rule sits
        SplittableRandom gatewayRandom = new SplittableRandom(43);
        List<SyntheticMesh.PlainHost> plain = mesh.plainHosts;
        List<SyntheticMesh.PlainHost> privateOnes = mesh.privateHosts();
        List<Integer> covered = mesh.coveredGatewayHosts();
        if (covered.isEmpty() || privateOnes.isEmpty()) {
            throw new IllegalArgumentException("mesh too small for the traffic mix: " + mesh);
        }
        for (int i = 0; i < N; i++) {
            SyntheticMesh.PlainHost h = plain.get(random.nextInt(plain.size()));
            String name = h.requestName(i);
            knownTls[i] = new Outbound(SyntheticMesh.sleep(h.namespace()), OutboundRequest.tls(name, 443));
            knownHttp[i] = new Outbound(SyntheticMesh.sleep(h.namespace()),
                    OutboundRequest.http(name, 80, new HttpRequestInfo("GET", name, "/", Map.of())));
            knownDirect[i] = (i & 2) == 0 ? knownTls[i] : knownHttp[i];

            String client = mesh.namespaces.get(random.nextInt(mesh.namespaces.size()));
            String gw = mesh.gatewayHostNames.get(random.nextInt(mesh.gatewayHosts));
            viaGateway[i] = new Outbound(SyntheticMesh.sleep(client), OutboundRequest.tls(gw, 443));

            unknown[i] = new Outbound(SyntheticMesh.sleep(client),
                    OutboundRequest.tls("unknown-" + i + ".example.org", 443));

            SyntheticMesh.PlainHost p = privateOnes.get(random.nextInt(privateOnes.size()));
            String other = mesh.namespaces.get((mesh.namespaces.indexOf(p.namespace()) + 1 + random.nextInt(
                    mesh.namespaces.size() - 1)) % mesh.namespaces.size());
            hidden[i] = new Outbound(SyntheticMesh.sleep(other), OutboundRequest.tls(p.requestName(i), 443));


            int g = covered.get(gatewayRandom.nextInt(covered.size()));
            String host = mesh.gatewayHostNames.get(g);
            List<String> allowed = mesh.allowedNamespaces.get(g);
            String from = allowed.get(gatewayRandom.nextInt(allowed.size()));
            gatewayAllowed[i] = atGateway(from, host);
            String stranger;
            do {
                stranger = mesh.namespaces.get(gatewayRandom.nextInt(mesh.namespaces.size()));
            } while (allowed.contains(stranger));
            gatewayDenied[i] = atGateway(stranger, host);
            gatewayMixed[i] = (i & 1) == 0 ? gatewayAllowed[i] : gatewayDenied[i];
        }
        for (int i = 0; i < N; i++) {
            mixed[i] = switch (i & 3) {
                case 0 -> knownDirect[(i + 2 * ((i >> 2) & 1)) & MASK]; // TLS and HTTP in turn
                case 1 -> viaGateway[i];
                case 2 -> unknown[i];
                default -> hidden[i];
            };
            lookups[i] = new Lookup(mixed[i].from(), mixed[i].request().host(), mixed[i].request().port());
        }
    }

    /** What the egress gateway sees from a sidecar of {@code ns} over ISTIO_MUTUAL with the DestinationRule's SNI. */
    private static AtGateway atGateway(String ns, String sni) {
        Peer peer = new Peer("cluster.local/ns/" + ns + "/sa/sleep", ns);
        GatewayRequest request = new GatewayRequest(443, Optional.of(sni), Optional.of(peer), Optional.empty(),
                "10.1.0.7", "10.0.0.2");
        AuthzRequest authz = new AuthzRequest(Optional.of(peer.principal()), Optional.of(ns), "10.1.0.7", "10.1.0.7",
                "10.0.0.2", 443, Optional.of(sni), Optional.empty());
        return new AtGateway(request, authz);
    }
}
