package dev.tollgate.cli.policytest;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.identity.SpiffeId;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The namespaces, workloads and hosts a configuration mentions, so that a test case naming none of them is flagged:
 * a typo ({@code defualt/sleep}, {@code developers.gogle.com}) would otherwise be decided, and often "pass", as
 * something nobody meant.
 */
public final class ConfigMentions {
    private final Set<String> namespaces = new HashSet<>();
    private final Set<String> workloads = new HashSet<>();
    /** Folded, once: a test of 10,000 cases asks about 10,000 hosts against as many entries. */
    private final Set<String> exactHosts = new HashSet<>();
    /** What each folded wildcard host ({@code *.example.com}, {@code *}) requires a name to end with. */
    private final Set<String> wildcardSuffixes = new HashSet<>();
    private final List<String> wildcards = new ArrayList<>();

    public ConfigMentions(ConfigSet set) {
        List<Resource<?>> all = new ArrayList<>();
        all.addAll(set.serviceEntries());
        all.addAll(set.sidecars());
        all.addAll(set.gateways());
        all.addAll(set.virtualServices());
        all.addAll(set.destinationRules());
        all.addAll(set.authorizationPolicies());
        all.forEach(r -> namespaces.add(r.namespace()));
        set.workloads().forEach(w -> {
            namespaces.add(w.namespace());
            workloads.add(w.namespace() + "/" + w.serviceAccount());
        });
        List<String> hosts = new ArrayList<>();
        set.serviceEntries().forEach(r -> hosts.addAll(nonNull(r.spec().getHosts())));
        set.virtualServices().forEach(r -> hosts.addAll(nonNull(r.spec().getHosts())));
        for (String h : hosts) {
            String folded = HostName.fold(h);
            if (HostName.isWildcard(folded)) {
                wildcards.add(folded);
                wildcardSuffixes.add(folded.substring(1));
            } else {
                exactHosts.add(folded);
            }
        }
        for (var policy : set.authorizationPolicies()) {
            for (var rule : nonNull(policy.spec().getRules())) {
                for (var from : nonNull(rule.getFrom())) {
                    if (from.getSource() == null) {
                        continue;
                    }
                    namespaces.addAll(nonNull(from.getSource().getNamespaces()));
                    for (String p : nonNull(from.getSource().getPrincipals())) {
                        SpiffeId.parsePrincipal(p).ifPresent(id -> {
                            namespaces.add(id.namespace());
                            workloads.add(id.namespace() + "/" + id.serviceAccount());
                        });
                    }
                }
            }
        }
    }

    /** Why the case names something the configuration does not, or empty. */
    public Optional<String> unknown(EgressTestCase c, String host) {
        String ns = c.from().contains("/") ? c.from().substring(0, c.from().indexOf('/')) : c.from();
        if (!namespaces.contains(ns)) {
            return Optional.of("namespace " + ns + " appears nowhere in the configuration");
        }
        if (!workloads.isEmpty() && !workloads.contains(c.from()) && !namespaceOnly(ns)) {
            return Optional.of("workload " + c.from() + " appears nowhere in the configuration (known: "
                    + String.join(", ", workloads.stream().filter(w -> w.startsWith(ns + "/")).sorted().toList()) + ")");
        }
        if (!mentioned(HostName.fold(host))) {
            return Optional.of("host " + host + " appears in no ServiceEntry or VirtualService");
        }
        return Optional.empty();
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
        return workloads.stream().noneMatch(w -> w.startsWith(ns + "/"));
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
