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
    private final List<String> hosts = new ArrayList<>();

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
        set.serviceEntries().forEach(r -> hosts.addAll(nonNull(r.spec().getHosts())));
        set.virtualServices().forEach(r -> hosts.addAll(nonNull(r.spec().getHosts())));
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
        String folded = HostName.fold(host);
        if (hosts.stream().noneMatch(h -> HostPattern.matches(HostName.fold(h), folded))) {
            return Optional.of("host " + host + " appears in no ServiceEntry or VirtualService");
        }
        return Optional.empty();
    }

    /** A namespace whose workloads the configuration never names: any service account there is as good as another. */
    private boolean namespaceOnly(String ns) {
        return workloads.stream().noneMatch(w -> w.startsWith(ns + "/"));
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
