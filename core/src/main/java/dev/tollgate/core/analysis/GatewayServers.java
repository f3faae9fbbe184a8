package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.Routing;

import java.util.ArrayList;
import java.util.List;

/**
 * The egress gateway workloads, and how findings name a compiled Gateway server. The gateway workloads are the
 * workloads of the ConfigSet labelled {@code istio: egressgateway} or named by a Gateway's selector; when there are
 * none, Istio's default egress gateway ({@link EgressGatewayIdentity}).
 */
final class GatewayServers {
    private GatewayServers() {
    }

    static List<WorkloadRef> egressGateways(ConfigSet config, Routing routing) {
        List<WorkloadRef> out = new ArrayList<>();
        for (Workload w : config.workloads()) {
            // a Gateway without a selector applies to every gateway workload, but makes no workload a gateway
            if (EgressTopologies.isGateway(w, routing)) {
                out.add(w.ref());
            }
        }
        return out.isEmpty() ? List.of(EgressGatewayIdentity.WORKLOAD) : List.copyOf(out);
    }

    /** {@code port 443 (TLS, tls PASSTHROUGH) of Gateway ns/name}, as findings name a server. */
    static String describe(GatewayServer s) {
        GatewayServerKind k = s.kind();
        return "port " + s.port() + " (" + k.protocol() + (k.tlsMode() == ServerTlsMode.NONE ? "" : ", tls "
                + k.tlsMode()) + ") of Gateway " + s.gatewayName();
    }
}
