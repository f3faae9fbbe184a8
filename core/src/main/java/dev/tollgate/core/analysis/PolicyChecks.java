package dev.tollgate.core.analysis;

import dev.tollgate.core.authz.Action;
import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.authz.PolicyView;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.Routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * AuthorizationPolicy findings. Tollgate's sidecars only send traffic out, so a policy takes effect only where
 * egress traffic is received: at the egress gateway. The semantics come from {@link Authorizer}, never re-derived.
 */
final class PolicyChecks {
    static final String SELECTS_NO_GATEWAY = "TG0101";
    static final String ALLOW_NEVER_MATCHES_TCP = "TG0103";
    static final String DENY_WIDENED_ON_TCP = "TG0108";
    static final String CUSTOM_UNSUPPORTED = "TG0109";

    private PolicyChecks() {
    }

    static void check(Authorizer authz, Routing routing, List<WorkloadRef> gateways, Findings out) {
        for (PolicyView p : authz.policyViews()) {
            List<WorkloadRef> selected = new ArrayList<>();
            String firstReason = null;
            for (WorkloadRef gw : gateways) {
                Optional<String> why = authz.whyNotApplied(p.key(), gw);
                if (why.isEmpty()) {
                    selected.add(gw);
                } else if (firstReason == null) {
                    firstReason = why.get();
                }
            }
            if (selected.isEmpty()) {
                warn(out, SELECTS_NO_GATEWAY, p, pathFor(firstReason), "selects no workload that receives egress "
                        + "traffic: " + firstReason + ". AuthorizationPolicies take effect only at the egress "
                        + "gateway (" + describe(gateways) + "), so this policy changes nothing");
                continue;
            }
            if (p.action() == Action.CUSTOM) {
                warn(out, CUSTOM_UNSUPPORTED, p, "spec.action", "CUSTOM (external authorization) is not supported: "
                        + "Tollgate denies all traffic to the gateway workloads it selects (fail closed)");
                continue;
            }
            tcpRules(routing, authz, p, selected, out);
        }
    }

    private static void tcpRules(Routing routing, Authorizer authz, PolicyView p, List<WorkloadRef> gateways,
                                 Findings out) {
        for (PolicyView.Rule rule : p.rules()) {
            int i = rule.index();
            Optional<String> never = p.action() == Action.ALLOW ? authz.neverMatchesTcp(p.key(), i)
                    : Optional.empty();
            List<String> dropped = p.action() == Action.DENY ? authz.droppedOnTcp(p.key(), i) : List.of();
            if (never.isEmpty() && dropped.isEmpty()) {
                continue;
            }
            List<GatewayServer> opaque = new ArrayList<>();
            for (WorkloadRef gw : gateways) {
                for (GatewayServer s : routing.servers(gw)) {
                    if (!s.kind().readsHttp() && concerns(rule, s)) {
                        opaque.add(s);
                    }
                }
            }
            if (opaque.isEmpty()) {
                continue;
            }
            String where = String.join(", ", opaque.stream().map(GatewayServers::describe).distinct()
                    .toList());
            if (never.isPresent()) {
                warn(out, ALLOW_NEVER_MATCHES_TCP, p, rule.path(), "ALLOW rule[" + i + "] can never match on "
                        + where + ": the gateway sees TCP/TLS there, and " + never.get());
            }
            if (!dropped.isEmpty()) {
                warn(out, DENY_WIDENED_ON_TCP, p, rule.path(), "on " + where + " the gateway sees TCP/TLS, so this "
                        + "rule loses its HTTP-only constraints and denies more than it says: " + String.join("; ",
                        dropped));
            }
        }
    }

    private static void warn(Findings out, String code, PolicyView p, String path, String message) {
        out.warn(code, p.key(), p.originOf(path), path, message);
    }

    /** Whether a rule can concern a server: its compiled port and host constraints (if any) meet the server's. */
    private static boolean concerns(PolicyView.Rule rule, GatewayServer s) {
        List<String> ports = rule.ports();
        List<String> hosts = rule.hosts();
        if (!ports.isEmpty() && !ports.contains(Integer.toString(s.port()))) {
            return false;
        }
        if (hosts.isEmpty()) {
            return true;
        }
        for (String h : hosts) {
            String host = h.endsWith(":*") ? h.substring(0, h.length() - 2) : h;
            for (GatewayServer.ServerHost sh : s.hosts()) {
                if (HostPattern.overlaps(sh.dnsName(), host.startsWith("*") && !host.startsWith("*.")
                        ? "*" : host.trim())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String pathFor(String reason) {
        if (reason == null || reason.startsWith("policy is in namespace")) {
            return "metadata.namespace";
        }
        return reason.startsWith("policy has targetRefs") ? "spec.targetRefs" : "spec.selector.matchLabels";
    }

    private static String describe(List<WorkloadRef> gateways) {
        return String.join(", ", gateways.stream().map(g -> "workload in " + g.namespace() + " with labels "
                + new java.util.TreeMap<>(g.labels())).toList());
    }
}
