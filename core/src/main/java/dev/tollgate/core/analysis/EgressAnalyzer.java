package dev.tollgate.core.analysis;

import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.EgressTopology;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.routing.Routing;

import java.util.List;

/**
 * {@code istioctl analyze} for egress: warnings about configuration that loads but does not do what it seems to.
 * Codes are stable:
 * <ul>
 *   <li>TG0101 an AuthorizationPolicy selects no workload that receives egress traffic (the egress gateway);</li>
 *   <li>TG0102 a ServiceEntry lets a host out directly, bypassing the gateway's policies;</li>
 *   <li>TG0103 an ALLOW rule can never match on a TCP/TLS gateway port (it uses HTTP-only fields);</li>
 *   <li>TG0104 a route to an undefined subset; TG0105 a reference to an undefined Gateway;</li>
 *   <li>TG0106 a Gateway server with no VirtualService route;</li>
 *   <li>TG0107 a DestinationRule {@code sni} that differs from the routed host;</li>
 *   <li>TG0108 a DENY rule that loses HTTP-only constraints on a TCP/TLS gateway port (denies more);</li>
 *   <li>TG0109 a CUSTOM policy at the gateway (unsupported: it denies all traffic to the gateway);</li>
 *   <li>TG0110 a namespace that sends traffic through the egress gateway has no egress NetworkPolicy among the
 *   files, so its pods can still go around the gateway;</li>
 *   <li>TG0111 a NetworkPolicy among the files lets application pods reach the outside directly (an egress rule
 *   without {@code to}, or an {@code ipBlock} that, less its {@code except}, covers public addresses);</li>
 *   <li>TG0112 a ServiceEntry's {@code workloadSelector} selects no WorkloadEntry (nor workload) of its namespace,
 *   so the entry has no endpoints.</li>
 * </ul>
 * The gateway is the ConfigSet's workloads labelled {@code istio: egressgateway} or selected by a Gateway, else
 * Istio's default egress gateway in {@code istio-system}.
 */
public final class EgressAnalyzer {
    private EgressAnalyzer() {
    }

    /** Compiles the configuration first; a snapshot passes the structures it already compiled. */
    public static List<Diagnostic> analyze(ConfigSet config) {
        return analyze(config, Registry.compile(config), Routing.compile(config), Authorizer.compile(config));
    }

    /**
     * The findings, read from the compiled registry (ServiceEntry hosts and their exportTo), routing (VirtualServices,
     * DestinationRules, Gateway servers) and authorizer (policies' semantics).
     */
    public static List<Diagnostic> analyze(ConfigSet config, Registry registry, Routing routing,
                                           Authorizer authorizer) {
        Findings out = new Findings();
        List<WorkloadRef> gateways = GatewayServers.egressGateways(config, routing);
        PolicyChecks.check(authorizer, routing, gateways, out);
        RouteChecks.check(registry, routing, gateways, out);
        NetworkPolicyChecks.check(config, topology(config, routing), routing, out);
        EndpointChecks.check(config, out);
        return out.list();
    }

    /** Who sends through which gateway, derived once for {@code netpol} and for the NetworkPolicy findings. */
    public static EgressTopology topology(ConfigSet config, Routing routing) {
        return EgressTopologies.derive(config, routing);
    }
}
