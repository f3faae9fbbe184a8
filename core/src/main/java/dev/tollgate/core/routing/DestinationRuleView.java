package dev.tollgate.core.routing;

import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.net.HostName;
import io.fabric8.istio.api.api.networking.v1alpha3.ClientTLSSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Subset;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicyPortTrafficPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A compiled DestinationRule as analyze reads it: its host qualified as {@link DestinationRules} looks it up (empty
 * when none is written), the subsets it defines, and every TLS {@code sni} it sets, at each level the merge reads.
 */
public record DestinationRuleView(Resource<DestinationRule> resource, String host, List<String> subsets,
                                  List<Sni> sniSettings) {
    public DestinationRuleView {
        subsets = List.copyOf(subsets);
        sniSettings = List.copyOf(sniSettings);
    }

    /**
     * One {@code tls.sni}, folded: of the whole rule or of {@code subset}, for every port or for {@code port}'s
     * port-level settings.
     */
    public record Sni(String path, Optional<String> subset, Optional<Integer> port, String sni) {
    }

    static DestinationRuleView of(CompiledDestinationRule compiled) {
        DestinationRule dr = compiled.dr();
        List<String> names = new ArrayList<>();
        List<Sni> sni = new ArrayList<>();
        sni(Optional.empty(), "spec.trafficPolicy", dr.getTrafficPolicy(), sni);
        List<Subset> subsets = dr.getSubsets() == null ? List.of() : dr.getSubsets();
        for (int i = 0; i < subsets.size(); i++) {
            Subset s = subsets.get(i);
            if (s == null) {
                continue;
            }
            if (s.getName() != null) {
                names.add(s.getName());
            }
            sni(Optional.ofNullable(s.getName()), "spec.subsets[" + i + "].trafficPolicy", s.getTrafficPolicy(), sni);
        }
        return new DestinationRuleView(compiled.resource(), dr.getHost() == null ? "" : compiled.host(), names, sni);
    }

    private static void sni(Optional<String> subset, String path, TrafficPolicy tp, List<Sni> out) {
        if (tp == null) {
            return;
        }
        setting(subset, Optional.empty(), path + ".tls.sni", tp.getTls(), out);
        List<TrafficPolicyPortTrafficPolicy> pls = tp.getPortLevelSettings() == null ? List.of()
                : tp.getPortLevelSettings();
        for (int k = 0; k < pls.size(); k++) {
            TrafficPolicyPortTrafficPolicy pl = pls.get(k);
            if (pl != null) {
                Optional<Integer> port = pl.getPort() == null || pl.getPort().getNumber() == null ? Optional.empty()
                        : Optional.of(pl.getPort().getNumber().intValue());
                setting(subset, port, path + ".portLevelSettings[" + k + "].tls.sni", pl.getTls(), out);
            }
        }
    }

    private static void setting(Optional<String> subset, Optional<Integer> port, String path, ClientTLSSettings tls,
                                List<Sni> out) {
        if (tls != null && tls.getSni() != null && !tls.getSni().isEmpty()) {
            out.add(new Sni(path, subset, port, HostName.fold(tls.getSni().trim())));
        }
    }
}
