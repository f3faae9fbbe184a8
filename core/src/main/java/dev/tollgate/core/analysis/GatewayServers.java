package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.Server;

import java.util.ArrayList;
import java.util.List;

/**
 * The egress gateway workloads and the Gateway servers they listen on. The gateway workloads are the workloads of
 * the ConfigSet labelled {@code istio: egressgateway} or named by a Gateway's selector; when there are none, Istio's
 * default egress gateway ({@link EgressGatewayIdentity}).
 */
final class GatewayServers {
    /** One server of one Gateway, as the gateway workload sees it. */
    record ServerRef(Resource<Gateway> gateway, int index, Server server) {
        int port() {
            return server.getPort() == null || server.getPort().getNumber() == null ? -1
                    : server.getPort().getNumber().intValue();
        }

        GatewayServerKind kind() {
            return GatewayServerKind.of(server);
        }

        /** The gateway reads HTTP here; HTTPS in passthrough is opaque TLS, as in Istio. */
        boolean readsHttp() {
            return kind().readsHttp();
        }

        List<String> hosts() {
            return server.getHosts() == null ? List.of() : server.getHosts();
        }

        String describe() {
            GatewayServerKind k = kind();
            return "port " + port() + " (" + k.protocol()
                    + (k.tlsMode() == ServerTlsMode.NONE ? "" : ", tls " + k.tlsMode())
                    + ") of Gateway " + gateway.namespace() + "/" + gateway.name();
        }
    }

    private GatewayServers() {
    }

    static List<WorkloadRef> egressGateways(ConfigSet config) {
        List<WorkloadRef> out = new ArrayList<>();
        for (Workload w : config.workloads()) {
            boolean labelled = EgressGatewayIdentity.labelled(w.labels());
            // a Gateway without a selector applies to every gateway workload, but makes no workload a gateway
            boolean selected = config.gateways().stream()
                    .anyMatch(g -> !selector(g).isEmpty() && selector(g).matches(w.labels()));
            if (labelled || selected) {
                out.add(w.ref());
            }
        }
        return out.isEmpty() ? List.of(EgressGatewayIdentity.WORKLOAD) : List.copyOf(out);
    }

    /** Istio's mergeGateways: a Gateway's selector matches gateway workloads (in any namespace); none selects all. */
    static LabelSelector selector(Resource<Gateway> g) {
        return LabelSelector.of(g.spec().getSelector());
    }

    static List<ServerRef> serversOf(ConfigSet config, WorkloadRef gateway) {
        List<ServerRef> out = new ArrayList<>();
        for (Resource<Gateway> g : config.gateways()) {
            if (!selector(g).matches(gateway.labels())) {
                continue;
            }
            List<Server> servers = g.spec().getServers() == null ? List.of() : g.spec().getServers();
            for (int i = 0; i < servers.size(); i++) {
                if (servers.get(i) != null) {
                    out.add(new ServerRef(g, i, servers.get(i)));
                }
            }
        }
        return out;
    }
}
