package dev.tollgate.core.routing;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.UpstreamTls;
import dev.tollgate.core.model.Visibility;
import io.fabric8.istio.api.api.networking.v1alpha3.ClientTLSSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Subset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Which DestinationRules apply to an upstream cluster, merged as Istio merges them, and the TLS they ask for
 * ({@link UpstreamPolicy}). Where Istio orders rules by creation time, Tollgate uses their order in the
 * {@link ConfigSet} (the order of the files and documents given).
 */
final class DestinationRules {
    private final MeshSettings mesh;
    /** Namespace -> host pattern -> DestinationRules. */
    private final Map<String, HostIndex<CompiledDestinationRule>> drByNamespace = new HashMap<>();
    private static final int MERGED_CACHE_LIMIT = 50_000;
    private final Map<MergeKey, MergedRules> mergedCache = new ConcurrentHashMap<>();
    private final Map<List<Integer>, MergedRules> mergedByRules = new ConcurrentHashMap<>();
    private final boolean anyDrSelector;
    /**
     * Client namespaces that may see a merge of their own: they hold DestinationRules, or one is exported to them by
     * name. Every other client namespace sees the same merge for a host (its own namespace adds nothing to the
     * lookup, and no exportTo tells it apart), so the cache keys them all as {@link #ANY_OTHER_CLIENT}: a thousand
     * namespaces asking for a thousand hosts (tollgate matrix) would otherwise overflow the cache and re-merge.
     */
    private final Set<String> distinctClients = new HashSet<>();
    /** Not a Kubernetes namespace name, so never a real client's. */
    private static final String ANY_OTHER_CLIENT = "*";
    /** In the configuration's order, for analyze. */
    private final List<CompiledDestinationRule> written = new ArrayList<>();

    DestinationRules(ConfigSet config) {
        this.mesh = config.mesh();
        int order = 0;
        boolean drSelector = false;
        for (Resource<DestinationRule> r : config.destinationRules()) {
            CompiledDestinationRule dr = CompiledDestinationRule.compile(r, order++, mesh);
            drByNamespace.computeIfAbsent(r.namespace(), k -> new HostIndex<>()).add(dr.host(), dr);
            drSelector |= dr.hasSelector();
            distinctClients.add(r.namespace());
            if (dr.exportTo().scope() == Visibility.Scope.NAMESPACES) {
                distinctClients.addAll(dr.exportTo().namespaces(r.namespace()));
            }
            written.add(dr);
        }
        anyDrSelector = drSelector;
    }

    /** Every DestinationRule in the configuration's order. */
    List<CompiledDestinationRule> all() {
        return List.copyOf(written);
    }

    /**
     * The DestinationRule for {@code target} as seen by a proxy in {@code clientNamespace}. Istio's lookup: "the
     * client namespace, then the service's namespace, then the root namespace"; within a namespace the most
     * specific host wins, and rules for the same host are merged (the first one's traffic policy, subsets in
     * order). A workloadSelector rule applies only to matching workloads of its own namespace.
     *
     * @param serviceNamespace the namespace of the ServiceEntry (or Kubernetes service) that defines the host
     * @param autoSni          SNI for SIMPLE/MUTUAL without {@code sni}: the HTTP authority, else the host
     */
    UpstreamPolicy upstreamPolicy(String clientNamespace, Map<String, String> clientLabels, RouteTarget target,
                                         int port, Optional<String> serviceNamespace, String autoSni) {
        String host = target.host();
        MergedRules merged = mergedRules(clientNamespace, clientLabels, host, serviceNamespace);
        Supplier<List<Consideration>> considered = () -> mergeRules(clientNamespace, clientLabels, host,
                serviceNamespace).considered();
        if (merged.chosen().isEmpty()) {
            UpstreamTls tls = defaultTls(target, port);
            Optional<String> missing = target.subset().isEmpty() ? Optional.empty() : Optional.of(target.subset());
            return new UpstreamPolicy(Optional.empty(), tls, missing, "no DestinationRule for " + host + "; tls "
                    + tls.mode(), Origin.UNKNOWN, considered);
        }
        CompiledDestinationRule first = merged.chosen().get(0);
        Optional<Subset> subset = Optional.empty();
        CompiledDestinationRule decider = first;
        if (!target.subset().isEmpty()) {
            OwnedSubset owned = merged.subsets().get(target.subset());
            if (owned == null) {
                return new UpstreamPolicy(Optional.of(first.resource().key()), UpstreamTls.NONE,
                        Optional.of(target.subset()), first.resource().key() + " defines no subset " + target.subset()
                        + " (Envoy has no cluster for it: 503)", first.resource().origin(), considered);
            }
            subset = Optional.of(owned.subset());
            decider = owned.owner();
        }
        CompiledDestinationRule.TlsLevel level = CompiledDestinationRule.effectiveTls(merged.top(), subset, port);
        UpstreamTls tls = level.tls().map(t -> toUpstream(t, target, port, autoSni)).orElseGet(() -> defaultTls(target, port));
        return new UpstreamPolicy(Optional.of(decider.resource().key()), tls, Optional.empty(),
                decider.resource().key() + " " + level.level() + ": tls " + tls.mode()
                        + tls.sni().map(s -> " sni " + s).orElse(""), decider.resource().origin(), considered);
    }

    /**
     * The DestinationRules that apply to traffic from a client of {@code clientNamespace} with {@code clientLabels}
     * to {@code host}, merged in order (the lookup {@link #upstreamPolicy} makes); empty when none does.
     */
    List<CompiledDestinationRule> applying(String clientNamespace, Map<String, String> clientLabels, String host,
                                           Optional<String> serviceNamespace) {
        return mergedRules(clientNamespace, clientLabels, host, serviceNamespace).chosen();
    }

    /**
     * The merged DestinationRules for one (client, host, service namespace), computed once: the tutorial's one rule
     * per external host, all for the egress gateway's host, would otherwise be re-merged (with an explanation per
     * rule) on every request. The client's labels are part of the key only when some rule has a workloadSelector.
     * Bounded, since a wildcard ServiceEntry lets requests name any host.
     */
    private MergedRules mergedRules(String clientNamespace, Map<String, String> clientLabels, String host,
                                    Optional<String> serviceNamespace) {
        String client = distinctClients.contains(clientNamespace) ? clientNamespace : ANY_OTHER_CLIENT;
        MergeKey key = new MergeKey(client, anyDrSelector ? clientLabels : Map.of(), host, serviceNamespace);
        MergedRules cached = mergedCache.get(key);
        if (cached != null) {
            return cached;
        }
        MergedRules fresh = mergeRules(clientNamespace, clientLabels, host, serviceNamespace);
        // Many clients share one merge (a namespace each): keep one copy of it, found by the rules it merges.
        MergedRules computed = mergedByRules.computeIfAbsent(fresh.chosen().stream()
                .map(CompiledDestinationRule::order).toList(), k -> fresh.withoutConsiderations());
        if (mergedCache.size() < MERGED_CACHE_LIMIT) {
            mergedCache.putIfAbsent(new MergeKey(client, Map.copyOf(key.clientLabels()), host,
                    serviceNamespace), computed);
        }
        return computed;
    }

    private MergedRules mergeRules(String clientNamespace, Map<String, String> clientLabels, String host,
                                   Optional<String> serviceNamespace) {
        List<Consideration> considered = new ArrayList<>();
        List<String> order = new ArrayList<>();
        order.add(clientNamespace);
        serviceNamespace.filter(ns -> !order.contains(ns)).ifPresent(order::add);
        if (!order.contains(mesh.rootNamespace())) {
            order.add(mesh.rootNamespace());
        }
        List<CompiledDestinationRule> chosen = List.of();
        for (String ns : order) {
            HostIndex<CompiledDestinationRule> idx = drByNamespace.get(ns);
            if (idx == null) {
                continue;
            }
            String bestPattern = null;
            List<CompiledDestinationRule> selected = new ArrayList<>();
            List<CompiledDestinationRule> plain = new ArrayList<>();
            for (var hit : idx.lookup(host)) {
                CompiledDestinationRule dr = hit.value();
                if (!dr.visibleFrom(clientNamespace)) {
                    considered.add(dr(dr, false, "not exported to namespace " + clientNamespace + " (exportTo "
                            + dr.exportTo() + ")"));
                    continue;
                }
                if (dr.hasSelector() && (!ns.equals(clientNamespace) || !dr.workloadSelector().matches(
                        clientLabels))) {
                    considered.add(dr(dr, false, "its workloadSelector " + dr.workloadSelector()
                            + " does not select the client workload"));
                    continue;
                }
                if (bestPattern != null && !bestPattern.equals(hit.pattern())) {
                    considered.add(dr(dr, false, "host " + hit.pattern() + " is less specific than " + bestPattern));
                    continue;
                }
                bestPattern = hit.pattern();
                (dr.hasSelector() ? selected : plain).add(dr);
            }
            if (bestPattern != null) {
                List<CompiledDestinationRule> merged = new ArrayList<>(selected);
                merged.addAll(plain);
                chosen = merged;
                for (CompiledDestinationRule dr : merged) {
                    considered.add(dr(dr, true, "host " + dr.host() + " matches " + host + " and namespace " + ns
                            + " comes first in the lookup (client " + clientNamespace + ", service "
                            + serviceNamespace.orElse("-") + ", root " + mesh.rootNamespace() + ")"
                            + (merged.size() > 1 ? "; the " + merged.size() + " rules for this host in " + ns
                            + " are merged (the first traffic policy, every subset)" : "")));
                }
                break;
            }
        }
        // Merged rules: the first one with a top-level traffic policy provides it; subsets merge in order (the
        // first rule defining a name owns it).
        var top = chosen.stream().map(d -> d.dr().getTrafficPolicy()).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null);
        Map<String, OwnedSubset> subsets = new HashMap<>();
        for (CompiledDestinationRule d : chosen) {
            for (Subset s : d.dr().getSubsets() == null ? List.<Subset>of() : d.dr().getSubsets()) {
                if (s != null && s.getName() != null) {
                    subsets.putIfAbsent(s.getName(), new OwnedSubset(s, d));
                }
            }
        }
        return new MergedRules(List.copyOf(chosen), List.copyOf(considered), top, Map.copyOf(subsets));
    }

    private record MergeKey(String clientNamespace, Map<String, String> clientLabels, String host,
                            Optional<String> serviceNamespace) {
    }

    private record OwnedSubset(Subset subset, CompiledDestinationRule owner) {
    }

    /**
     * {@code top} may be null: no merged rule has a top-level traffic policy. The cached values keep no
     * considerations: their sentences name the client's namespace, so they would be kept once per namespace.
     */
    private record MergedRules(List<CompiledDestinationRule> chosen, List<Consideration> considered,
                               io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy top,
                               Map<String, OwnedSubset> subsets) {
        MergedRules withoutConsiderations() {
            return new MergedRules(chosen, List.of(), top, subsets);
        }
    }

    private Consideration dr(CompiledDestinationRule dr, boolean applied, String why) {
        return new Consideration(Stage.UPSTREAM, dr.resource().key(), applied, why, dr.resource().origin());
    }

    /**
     * Without DestinationRule TLS the bytes go as they are. Istio's auto mTLS applies only to endpoints labelled
     * as sidecar-injected, which the egress gateway's pods are not: istio.io's "Egress Gateways" HTTP example sends
     * plain HTTP to the gateway's port 80 with a DestinationRule that sets no TLS.
     */
    private static UpstreamTls defaultTls(RouteTarget target, int port) {
        return UpstreamTls.NONE;
    }

    /** Istio's ISTIO_MUTUAL SNI when the rule gives none: {@code outbound_.<port>_.<subset>_.<host>}. */
    private static String clusterSni(RouteTarget target, int port) {
        return "outbound_." + port + "_." + target.subset() + "_." + target.host();
    }

    private static UpstreamTls toUpstream(ClientTLSSettings t, RouteTarget target, int port, String autoSni) {
        TlsMode mode = t.getMode() == null ? TlsMode.DISABLE : TlsMode.valueOf(t.getMode().name());
        Optional<String> sni = Optional.ofNullable(t.getSni()).filter(s -> !s.isEmpty());
        if (sni.isEmpty()) {
            sni = switch (mode) {
                case DISABLE -> Optional.empty();
                // "If unspecified, SNI will be automatically set based on downstream HTTP host/authority header
                // for SIMPLE and MUTUAL TLS modes."
                case SIMPLE, MUTUAL -> Optional.of(autoSni);
                case ISTIO_MUTUAL -> Optional.of(clusterSni(target, port));
            };
        }
        return new UpstreamTls(mode, sni, t.getSubjectAltNames() == null ? List.of() : t.getSubjectAltNames(),
                Optional.ofNullable(t.getCaCertificates()).filter(s -> !s.isEmpty()));
    }
}
