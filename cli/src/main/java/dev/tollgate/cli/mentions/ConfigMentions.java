package dev.tollgate.cli.mentions;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.identity.SpiffeId;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The namespaces, workloads and hosts a configuration mentions, each with where: {@code tollgate test} flags a case
 * naming none of them (a typo such as {@code defualt/sleep} would otherwise be decided, and often "pass", as
 * something nobody meant), and {@code tollgate matrix} makes its rows of them.
 */
public final class ConfigMentions {

    /** How a workload is mentioned; a row of the matrix is built from the most specific. */
    public enum Via {
        /** A Deployment or Pod (namespace, service account and labels). */
        WORKLOAD,
        /** An AuthorizationPolicy principal {@code cluster.local/ns/X/sa/Y}. */
        PRINCIPAL,
        /** A workload selector's labels (Sidecar, AuthorizationPolicy, a route's sourceLabels). */
        SELECTOR,
        /** A namespace named by a policy source or an exportTo. */
        NAMESPACE,
        /** The namespace a resource lives in. */
        HOME
    }

    /**
     * One mention of a workload or a namespace.
     *
     * @param serviceAccount present for {@link Via#WORKLOAD} and {@link Via#PRINCIPAL}
     * @param labels         the workload's labels or the selector's; empty otherwise
     * @param why            {@code Kind namespace/name file:line}
     */
    public record Mention(Via via, String namespace, Optional<String> serviceAccount, Map<String, String> labels,
                          String why) {
        public Mention {
            labels = Map.copyOf(labels);
        }
    }

    private final Set<String> namespaces = new HashSet<>();
    private final Set<String> workloads = new HashSet<>();
    /** The namespaces some workload is named in, so a case's question costs a lookup, not a scan of every workload. */
    private final Set<String> workloadNamespaces = new HashSet<>();
    /** Folded, once: a test of 10,000 cases asks about 10,000 hosts against as many entries. */
    private final Set<String> exactHosts = new HashSet<>();
    /** What each folded wildcard host ({@code *.example.com}, {@code *}) requires a name to end with. */
    private final Set<String> wildcardSuffixes = new HashSet<>();
    private final List<String> wildcards = new ArrayList<>();
    private final List<Mention> mentions = new ArrayList<>();

    public ConfigMentions(ConfigSet set) {
        set.workloads().forEach(w -> add(new Mention(Via.WORKLOAD, w.namespace(), Optional.of(w.serviceAccount()),
                w.labels(), "workload " + w.namespace() + "/" + w.name() + " " + where(w.origin()))));
        List<Resource<?>> all = new ArrayList<>();
        all.addAll(set.serviceEntries());
        all.addAll(set.sidecars());
        all.addAll(set.gateways());
        all.addAll(set.virtualServices());
        all.addAll(set.destinationRules());
        all.addAll(set.authorizationPolicies());
        all.forEach(r -> add(new Mention(Via.HOME, r.namespace(), Optional.empty(), Map.of(), why(r))));
        set.serviceEntries().forEach(r -> {
            nonNull(r.spec().getHosts()).forEach(this::host);
            exportTo(r, r.spec().getExportTo());
        });
        set.virtualServices().forEach(r -> {
            nonNull(r.spec().getHosts()).forEach(this::host);
            exportTo(r, r.spec().getExportTo());
            for (var http : nonNull(r.spec().getHttp())) {
                for (HTTPMatchRequest m : nonNull(http.getMatch())) {
                    selector(r, m.getSourceLabels());
                    sourceNamespace(r, m.getSourceNamespace());
                }
            }
            nonNull(r.spec().getTls()).forEach(t -> nonNull(t.getMatch()).forEach(m -> {
                selector(r, m.getSourceLabels());
                sourceNamespace(r, m.getSourceNamespace());
            }));
            nonNull(r.spec().getTcp()).forEach(t -> nonNull(t.getMatch()).forEach(m -> {
                selector(r, m.getSourceLabels());
                sourceNamespace(r, m.getSourceNamespace());
            }));
        });
        set.destinationRules().forEach(r -> exportTo(r, r.spec().getExportTo()));
        set.sidecars().forEach(r -> {
            if (r.spec().getWorkloadSelector() != null) {
                selector(r, r.spec().getWorkloadSelector().getLabels());
            }
        });
        for (var policy : set.authorizationPolicies()) {
            if (policy.spec().getSelector() != null) {
                selector(policy, policy.spec().getSelector().getMatchLabels());
            }
            for (var rule : nonNull(policy.spec().getRules())) {
                for (var from : nonNull(rule.getFrom())) {
                    if (from.getSource() == null) {
                        continue;
                    }
                    List<String> ns = new ArrayList<>(nonNull(from.getSource().getNamespaces()));
                    ns.addAll(nonNull(from.getSource().getNotNamespaces()));
                    ns.stream().filter(n -> !n.contains("*")).forEach(n ->
                            add(new Mention(Via.NAMESPACE, n, Optional.empty(), Map.of(), why(policy))));
                    List<String> principals = new ArrayList<>(nonNull(from.getSource().getPrincipals()));
                    principals.addAll(nonNull(from.getSource().getNotPrincipals()));
                    for (String p : principals) {
                        SpiffeId.parsePrincipal(p).ifPresent(id -> add(new Mention(Via.PRINCIPAL, id.namespace(),
                                Optional.of(id.serviceAccount()), Map.of(), why(policy))));
                    }
                }
            }
        }
    }

    private void add(Mention m) {
        mentions.add(m);
        namespaces.add(m.namespace());
        m.serviceAccount().ifPresent(sa -> {
            workloads.add(m.namespace() + "/" + sa);
            workloadNamespaces.add(m.namespace());
        });
    }

    private void exportTo(Resource<?> r, List<String> exportTo) {
        nonNull(exportTo).stream().filter(n -> !n.equals(".") && !n.equals("*") && !n.equals("~"))
                .forEach(n -> add(new Mention(Via.NAMESPACE, n, Optional.empty(), Map.of(), why(r))));
    }

    private void selector(Resource<?> r, Map<String, String> labels) {
        if (labels != null && !labels.isEmpty()) {
            add(new Mention(Via.SELECTOR, r.namespace(), Optional.empty(), labels, why(r)));
        }
    }

    private void sourceNamespace(Resource<?> r, String ns) {
        if (ns != null && !ns.isEmpty()) {
            add(new Mention(Via.NAMESPACE, ns, Optional.empty(), Map.of(), why(r)));
        }
    }

    private static String why(Resource<?> r) {
        return r.key() + " " + where(r.origin());
    }

    /** {@code file:line}, as people open a file at a line. */
    public static String where(Origin o) {
        return o.line() > 0 ? o.source() + ":" + o.line() : o.source();
    }

    /** Every mention, in the configuration's order: workloads first, then resources by kind. */
    public List<Mention> mentions() {
        return List.copyOf(mentions);
    }

    /** Why {@code from} ({@code namespace/serviceaccount}) or {@code host} is named nowhere in the configuration. */
    public Optional<String> unknown(String from, String host) {
        String ns = from.contains("/") ? from.substring(0, from.indexOf('/')) : from;
        if (!namespaces.contains(ns)) {
            return Optional.of("namespace " + ns + " appears nowhere in the configuration");
        }
        if (!workloads.isEmpty() && !workloads.contains(from) && !namespaceOnly(ns)) {
            return Optional.of("workload " + from + " appears nowhere in the configuration (known: "
                    + String.join(", ", workloads.stream().filter(w -> w.startsWith(ns + "/")).sorted().toList()) + ")");
        }
        if (!mentioned(HostName.fold(host))) {
            return Optional.of("host " + host + " appears in no ServiceEntry or VirtualService");
        }
        return Optional.empty();
    }

    private void host(String h) {
        String folded = HostName.fold(h);
        if (HostName.isWildcard(folded)) {
            wildcards.add(folded);
            wildcardSuffixes.add(folded.substring(1));
        } else {
            exactHosts.add(folded);
        }
    }

    /** Whether a ServiceEntry or VirtualService host covers {@code host} ({@link HostPattern#subsetOf}). */
    private boolean mentioned(String host) {
        if (HostName.isWildcard(host)) {
            return wildcards.stream().anyMatch(w -> HostPattern.subsetOf(host, w));
        }
        if (exactHosts.contains(host)) {
            return true;
        }
        // a wildcard covers a name that ends with what follows its '*': look up each ending of the name
        for (int i = 0; i <= host.length(); i++) {
            if (wildcardSuffixes.contains(host.substring(i))) {
                return true;
            }
        }
        return false;
    }

    /** A namespace whose workloads the configuration never names: any service account there is as good as another. */
    private boolean namespaceOnly(String ns) {
        return !workloadNamespaces.contains(ns);
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
