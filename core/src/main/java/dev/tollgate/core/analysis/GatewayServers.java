package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.Server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The egress gateway workloads and the Gateway servers they listen on. The gateway workloads are the workloads of
 * the ConfigSet labelled {@code istio: egressgateway} or selected by a Gateway; when there are none, Istio's default
 * egress gateway ({@code istio-system}, {@code istio=egressgateway}, {@code app=istio-egressgateway}).
 */
final class GatewayServers {
    static final WorkloadRef DEFAULT_GATEWAY = new WorkloadRef("istio-system", "istio-egressgateway-service-account",
            Map.of("istio", "egressgateway", "app", "istio-egressgateway"));

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
            boolean labelled = "egressgateway".equals(w.labels().get("istio"));
            boolean selected = config.gateways().stream().anyMatch(g -> selects(g, w.labels()));
            if (labelled || selected) {
                out.add(w.ref());
            }
        }
        return out.isEmpty() ? List.of(DEFAULT_GATEWAY) : List.copyOf(out);
    }

    /** Istio: a Gateway's selector matches workloads (in any namespace) whose labels include it. */
    static boolean selects(Resource<Gateway> g, Map<String, String> labels) {
        Map<String, String> sel = g.spec().getSelector();
        if (sel == null || sel.isEmpty()) {
            return false;
        }
        return sel.entrySet().stream().allMatch(e -> java.util.Objects.equals(e.getValue(), labels.get(e.getKey())));
    }

    static List<ServerRef> serversOf(ConfigSet config, WorkloadRef gateway) {
        List<ServerRef> out = new ArrayList<>();
        for (Resource<Gateway> g : config.gateways()) {
            if (!selects(g, gateway.labels())) {
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
