package dev.tollgate.core.registry;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The host half of a Sidecar egress import ({@code ns/host}) for one namespace key, as Istio's
 * {@code hostClassification}: an entry's host is imported when it is a subset of an imported host
 * ({@code host.Name.SubsetOf}). So {@code *}{@code /}{@code *.example.com} imports {@code a.example.com} and {@code *.a.example.com},
 * but not {@code *.example.com}'s parent nor a broader wildcard such as {@code *.com}.
 */
final class ImportedHosts {
    private final Set<String> exact = new HashSet<>();
    private final List<String> wildcards = new ArrayList<>();
    private final List<String> all = new ArrayList<>();

    void add(String host) {
        String h = HostName.fold(host);
        all.add(h);
        if (HostName.isWildcard(h)) {
            wildcards.add(h);
        } else {
            exact.add(h);
        }
    }

    boolean imports(String serviceHost) {
        if (exact.contains(serviceHost)) {
            return true;
        }
        for (String w : wildcards) {
            if (HostPattern.subsetOf(serviceHost, w)) {
                return true;
            }
        }
        return false;
    }

    /** The hosts as written after normalisation, for messages. */
    List<String> hosts() {
        return List.copyOf(all);
    }
}
