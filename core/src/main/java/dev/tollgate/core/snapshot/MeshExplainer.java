package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.MeshSettingSource;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.registry.SidecarScope;

import java.util.ArrayList;
import java.util.List;

/**
 * The mesh settings behind an answer, for {@code explain}: the outbound traffic policy's mode, where it came from
 * (the istio ConfigMap, an IstioOperator or --set, with file:line), and a warning for each source that said
 * otherwise. The order of precedence is the loader's: ConfigMap, then IstioOperator, then --set.
 */
final class MeshExplainer {
    static final String MODE = "outboundTrafficPolicy.mode";

    private MeshExplainer() {
    }

    static List<String> explain(MeshSettings mesh, SidecarScope scope) {
        List<String> out = new ArrayList<>();
        List<MeshSettingSource> given = mesh.sourcesOf(MODE);
        String line = MODE + " " + mesh.outboundMode() + (given.isEmpty()
                ? " (Istio's default: no ConfigMap, IstioOperator or --set sets it)"
                : ", from " + given.get(given.size() - 1).where());
        if (scope.outboundModeFromSidecar()) {
            line += "; " + scope.sidecar().map(r -> r.key().toString()).orElse("the Sidecar") + " sets its own "
                    + "outboundTrafficPolicy, which replaces it for this workload";
        }
        out.add(line);
        if (!given.isEmpty()) {
            MeshSettingSource winner = given.get(given.size() - 1);
            for (MeshSettingSource earlier : given.subList(0, given.size() - 1)) {
                if (!earlier.value().equals(winner.value())) {
                    out.add("warning: " + earlier.where() + " sets " + MODE + " " + earlier.value() + ", but "
                            + winner.where() + " sets " + winner.value() + ", which wins: " + why(winner));
                }
            }
        }
        return out;
    }

    private static String why(MeshSettingSource winner) {
        if (winner.source().equals("--set")) {
            return "--set overrides the IstioOperator and the ConfigMap, as 'istioctl install --set' overrides the"
                    + " file it installs";
        }
        return "installing an IstioOperator (istioctl install) renders its spec.meshConfig into the istio ConfigMap,"
                + " replacing what the ConfigMap held; make them agree, or the live mesh follows whichever was"
                + " applied last";
    }
}
