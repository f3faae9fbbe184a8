package dev.tollgate.core.snapshot;

import dev.tollgate.core.analysis.EgressAnalyzer;
import dev.tollgate.core.model.EgressTopology;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.routing.Routing;

import java.util.List;
import java.util.Optional;

/**
 * One immutable, indexed view of the mesh's configuration. Proxies hold the current one and swap it atomically;
 * {@code tollgate check} and {@code explain} call the very same methods. Every method is answered from indexes
 * built by {@code SnapshotCompiler}, never by scanning all resources, and never does I/O.
 */
public interface MeshSnapshot {

    /** The configuration this snapshot was compiled from (for {@code /config_dump}). */
    ConfigSet config();

    default MeshSettings mesh() {
        return config().mesh();
    }

    /** The sidecar of {@code from}: registry, exportTo, Sidecar scope, outbound policy, then routing. */
    OutboundDecision outbound(WorkloadRef from, OutboundRequest request);

    /** The ports the egress gateway workload listens on: the servers of every Gateway whose selector matches it. */
    List<GatewayListener> gatewayListeners(WorkloadRef gateway);

    /**
     * The kind of the server that takes a connection on server port {@code port} whose ClientHello names {@code sni}
     * (empty: no ClientHello, or one without SNI), by the very server selection {@link #gateway} makes (Envoy's
     * filter chain match); empty when no server does. A port can hold servers of several kinds (Istio's
     * mergeGateways), so the gateway reads this once per connection to know whether to terminate the mTLS, pass the
     * TLS through, or read plain bytes.
     */
    Optional<GatewayServerKind> gatewayServerKind(WorkloadRef gateway, int port, Optional<String> sni);

    /** The egress gateway workload {@code gateway}: server match, authorization (as that workload), routing. */
    GatewayDecision gateway(WorkloadRef gateway, GatewayRequest request);

    /** The whole path from {@code from}'s sidecar, through the egress gateway when routed there, to the upstream. */
    CheckResult check(WorkloadRef from, OutboundRequest request);

    /** {@link #check} plus every resource considered and why it did or didn't apply. */
    Explanation explain(WorkloadRef from, OutboundRequest request);

    /**
     * {@code tollgate policies --from}: every Sidecar, ServiceEntry, VirtualService route, DestinationRule and
     * AuthorizationPolicy that applies to {@code from}'s sidecar, as it sees them (exportTo, Sidecar imports,
     * workload selectors), each with its origin.
     */
    default AppliedConfig appliedTo(WorkloadRef from) {
        return SnapshotCompiler.compile(config()).appliedTo(from);
    }

    /**
     * {@code tollgate policies --gateway}: the same for a gateway workload: the Gateway servers that select it, the
     * VirtualServices bound to them, the ServiceEntries and DestinationRules it sees and the AuthorizationPolicies
     * that select it.
     */
    default AppliedConfig appliedToGateway(WorkloadRef gateway) {
        return SnapshotCompiler.compile(config()).appliedToGateway(gateway);
    }

    /**
     * The control plane's per-proxy view: the origins ({@link dev.tollgate.core.model.Origin#source()}) of every
     * resource that a decision of this proxy can depend on. A sidecar's: the mesh settings, the Sidecar that applies
     * to it, the services and mesh VirtualServices its scope imports (exportTo and Sidecar imports), the
     * DestinationRules exported to its namespace, and the endpoints of those services. A gateway's: the same for its
     * namespace, plus the Gateways whose selector matches it, the VirtualServices bound to their servers and the
     * AuthorizationPolicies that select it (its namespace, and the root namespace's). Compiling only these resources
     * gives that proxy the decisions the whole configuration gives it; Namespaces, ServiceAccounts and other
     * namespaces' private resources are never among them.
     */
    default java.util.Set<String> dependencies(dev.tollgate.core.model.ProxyRef.Kind kind, WorkloadRef proxy) {
        return SnapshotCompiler.compile(config()).dependencies(kind, proxy);
    }

    /** {@code tollgate analyze}: egress-specific findings about this configuration. */
    List<Diagnostic> analyze();

    /**
     * Which namespaces send traffic through which egress gateway, on which ports: what {@code tollgate netpol}
     * writes down and what {@link #analyze} checks the files' NetworkPolicies against. A compiled snapshot answers
     * from the routing it already compiled.
     */
    default EgressTopology egressTopology() {
        return EgressAnalyzer.topology(config(), Routing.compile(config()));
    }
}
